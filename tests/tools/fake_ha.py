#!/usr/bin/env python3
"""A stand-in Home Assistant on loopback for the integration tests: HA's REST
API and WebSocket API, in the message shapes of HA's developer documentation,
over a fixture house (tests/tools/fake_ha_house.json, written by
tests/tools/make_fake_ha_house.py).

    fake_ha.py PORT --token TOKEN [--house FILE] [--state FILE]

PORT 0 takes any free port; the first line printed is
"fake_ha: listening on 127.0.0.1:PORT".  Needs aiohttp (Debian's
python3-aiohttp, so run it with /usr/bin/python3 where another python3 comes
first on PATH).  --state FILE keeps the changing part of the house (states,
registries, automation configs) in FILE, rewritten after each change and read
at start when it exists: a test kills the process and starts it again on the
same port with the same FILE to simulate a Home Assistant restart.  Recorded
calls, failure rules and WebSocket connections do not survive a restart.

Home Assistant's side (Authorization: Bearer TOKEN on every /api/ request,
else 401 "401: Unauthorized"; GET /api/ too):

    GET  /api/                          {"message": "API running."}
    GET  /api/config                    the house's configuration
    GET  /api/states                    every state object
    GET  /api/states/<entity_id>        one, else 404 {"message": "Entity not found."}
    POST /api/states/<entity_id>        {state, attributes?} set (200, or 201 + Location
                                        when new); fires state_changed
    DELETE /api/states/<entity_id>      remove it
    GET  /api/services                  [{domain, services: {name: description}}]
    POST /api/services/<domain>/<svc>   service data (entity_id / area_id / device_id /
                                        floor_id as target); answers the states it
                                        changed; ?return_response: {changed_states,
                                        service_response} (weather.get_forecasts,
                                        script.announce)
    GET  /api/events                    [{event, listener_count}]
    POST /api/events/<event_type>       fires it: {"message": "Event X fired."}
    POST /api/template                  {"template": ...} rendered as text.  Only a few
                                        forms: plain text, {{ states('e') }},
                                        {{ state_attr('e', 'a') }}, {{ is_state('e', 's') }},
                                        {{ now() }}; anything else is 400
    GET  /api/error_log                 text
    GET  /api/history/period[/<ts>]     [[state, ...] per entity] since ts (default a
                                        day ago); filter_entity_id, end_time,
                                        minimal_response, no_attributes
    GET  /api/camera_proxy/<camera>     a small JPEG
    POST /api/config/core/check_config  {"result": "valid", "errors": null, "warnings": null}
    GET  /api/config/automation/config/<id>   the automation's config, else 404
    POST /api/config/automation/config/<id>   replace it: {"result": "ok"}

    GET  /api/websocket                 auth_required, then auth (auth_ok, or
                                        auth_invalid and close; 10 s to authenticate);
                                        commands with increasing ids (else id_reuse):
        ping -> pong; supported_features; get_states; get_config; get_services;
        config/area_registry/list; config/floor_registry/list;
        config/label_registry/list; config/device_registry/list;
        config/entity_registry/list (as HA: without device_class, which states'
        attributes and config/entity_registry/get carry); config/entity_registry/get;
        lovelace/dashboards/list; lovelace/config {url_path?} (unknown:
        config_not_found); subscribe_events {event_type?} -> result null, then events
        with the subscription's id; unsubscribe_events {subscription};
        call_service {domain, service, service_data?, target?, return_response?} ->
        {context, response}; fire_event {event_type, event_data?};
        automation/config {entity_id} -> {config}; the helpers' storage
        collections <domain>/list|create|update|delete (input_boolean,
        input_number, input_text, input_select, input_datetime, input_button,
        counter, timer: see the helpers block).
        Unknown commands: error unknown_command.

Service calls behave as HA's integrations do, enough for the tests:
light/switch/input_boolean/automation/media_player/camera/climate turn_on,
turn_off, toggle (light.turn_on: brightness, brightness_pct,
brightness_step_pct, color_temp_kelvin, rgb_color, hs_color, effect; off
clears them); homeassistant.turn_on/turn_off/toggle (per entity's domain);
climate set_temperature/set_hvac_mode/set_preset_mode/set_fan_mode (modes
checked: service_validation_error); input_number set_value/increment/decrement
(range checked); scene.turn_on (applies the house's scene, the scene's state
becomes the time); button.press and input_button.press (state becomes the
time); script.turn_on and script.<name> (last_triggered); automation.trigger
(last_triggered); media_player media_play/media_pause/media_stop/volume_set/
volume_mute/play_media.  Unavailable entities are skipped as HA skips them; an
unknown service is not_found; any refused call is "400: Bad Request" over
REST, as HA answers.  Other known services (tts.speak, notify.*, ...) are only
recorded.  Each call also fires call_service.  Changes fire state_changed
(attribute-only changes too, last_changed kept) before the call's answer.

The test's side, on the same port, without a token:

    GET  /_test/calls[?domain=light&service=turn_on]
                                        recorded service calls, oldest first: [{via:
                                        "rest"|"ws", domain, service, service_data,
                                        target, entity_ids (resolved), context_id,
                                        success, error, at}]
    GET  /_test/requests[?prefix=/api/states]
                                        recorded REST requests: [{method, path, query,
                                        auth: "ok"|"missing"|"wrong", body, at}]
    GET  /_test/commands[?type=get_states]
                                        recorded WebSocket messages after auth: [{conn,
                                        id, type, msg, at}] ("auth" ones too, without the
                                        token: {conn, type: "auth", ok})
    GET  /_test/ws                      open WebSocket connections: [{conn, authed,
                                        subscriptions: [{id, event_type}], messages}]
    GET  /_test/state/<entity_id>       the state object (404 if none), no token
    POST /_test/state                   {entity_id, state, attributes?, merge?: true}
                                        set a state as a device would (context without
                                        user); state null removes the entity.  Fires
                                        state_changed.  attributes replace the old ones
                                        (merge true: are merged into them; left out:
                                        the old ones stay)
    POST /_test/event                   {event_type, data?} fire any event
    POST /_test/burst                   {entity_id, states: ["on", "off"], count: n}
                                        set the entity to the states in turn, n times,
                                        as fast as state_changed can be queued (for
                                        benchmarks: run without --state)
    POST /_test/registry                {kind: area|device|entity|floor, action:
                                        create|update|remove, item: {...}} change a
                                        registry (update: item with the id key and the
                                        fields to change; entity update may carry
                                        new_entity_id to rename; removing an entity
                                        removes its state) and fire
                                        <kind>_registry_updated as HA does
    POST /_test/fail                    {"prefix": "/api/states", "times": 1, "status": 500}
                                        the next `times` REST requests under prefix
                                        answer status (times -1: all; "delay_ms" too), or
                                        {"ws_command": "config/entity_registry/list",
                                        "times": 1, "code": "unknown_error", "message":
                                        ...}: an error result instead ("close": true
                                        closes the connection instead of answering;
                                        ws_command "auth" makes auth fail)
    POST /_test/delay                   {"prefix": ..., or "ws_command": ..., "ms": 2000,
                                        "times": -1} answers wait ms first (WebSocket
                                        answers to other commands are not held up)
    POST /_test/drop                    close every WebSocket connection now (code 1001)
    POST /_test/refuse                  {"times": n} refuse the next n WebSocket
                                        upgrades with 503 (-1: all; 0: stop refusing)
    POST /_test/token                   {"token": ...} accept this token from now on
    POST /_test/config                  {...} merged into the configuration (say
                                        {"state": "STARTING"}); reset undoes it
    POST /_test/reset                   back to the house file: states, registries,
                                        configs; forget calls, requests, commands and
                                        rules (connections stay open)

Diagnostics (the block "diagnostics" below):

    WebSocket config_entries/get {domain?, type_filter?}: HA's config entries
        [{entry_id, domain, title, source, state, reason, disabled_by, ...}], one
        per integration of the house (state "loaded" unless set otherwise)
    POST /api/config/core/check_config answers what /_test/check_config set
    POST /_test/config_entry           {domain or entry_id, state, reason?}: set an
                                        entry's state (setup_error, setup_retry,
                                        not_loaded, failed_unload, migration_error,
                                        loaded...)
    POST /_test/error_log              {"text": ...} replace the error log
                                        ({"append": ...} adds to it)
    POST /_test/check_config           {"result": "invalid", "errors": "...",
                                        "warnings": null} the next answers
    (reset undoes all three)

Check this server itself: /usr/bin/python3 tests/tools/check_fake_ha.py
"""
import argparse
import asyncio
import base64
import copy
import datetime
import json
import os
import random
import re
import sys
import time

from aiohttp import WSMsgType, web

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
# A 1x1 grey JPEG: what /api/camera_proxy answers.
JPEG = base64.b64decode(
    "/9j/4AAQSkZJRgABAQAAAQABAAD/2wBDAAgGBgcGBQgHBwcJCQgKDBQNDAsLDBkSEw8UHRofHh0aHBwgJC4n"
    "ICIsIxwcKDcpLDAxNDQ0Hyc5PTgyPC4zNDL/wAALCAABAAEBAREA/8QAFAABAAAAAAAAAAAAAAAAAAAACf/E"
    "ABQQAQAAAAAAAAAAAAAAAAAAAAD/2gAIAQEAAD8AKp//2Q==")
MUTABLE = ("states", "floors", "areas", "labels", "devices", "entities", "entities_extended",
           "automations", "helpers")
ON_OFF_DOMAINS = ("light", "switch", "input_boolean", "automation", "media_player", "camera",
                  "climate", "script", "fan")


def now_iso():
    return datetime.datetime.now(datetime.timezone.utc).isoformat()


def parse_ts(text):
    try:
        t = datetime.datetime.fromisoformat(text.replace("Z", "+00:00").replace(" ", "+"))
    except ValueError:
        return None
    if t.tzinfo is None:
        t = t.replace(tzinfo=datetime.timezone.utc)
    return t


def new_ulid():
    ms = int(time.time() * 1000)
    out = ""
    for _ in range(10):
        out = ALPHABET[ms % 32] + out
        ms //= 32
    return out + "".join(random.choice(ALPHABET) for _ in range(16))


class Failure(Exception):
    """A service call that HA would refuse: code as in a WebSocket error."""

    def __init__(self, code, message):
        super().__init__(message)
        self.code = code
        self.message = message


class House:
    """The world: what HA knows, what the tests steer, and who listens."""

    def __init__(self, house_file, state_file, token):
        self.house_file = house_file
        self.state_file = state_file
        self.token = token
        with open(house_file, encoding="utf-8") as fh:
            self.fixture = json.load(fh)
        self.load(self.fixture)
        if state_file and os.path.exists(state_file):
            with open(state_file, encoding="utf-8") as fh:
                saved = json.load(fh)
            for key in MUTABLE:
                if key in saved:
                    setattr(self, key, saved[key])
            self.states = {s["entity_id"]: s for s in saved.get("states", [])}
            self.history = {eid: [s] for eid, s in self.states.items()}
        self.calls = []
        self.requests = []
        self.commands = []
        self.rules = []       # REST and WebSocket failure/delay rules, newest first
        self.refuse = 0
        self.conns = {}       # conn number -> Conn
        self.next_conn = 1
        self.save()

    def load(self, fixture):
        data = copy.deepcopy(fixture)
        self.config = data["config"]
        self.ha_version = data["ha_version"]
        self.user_id = data["user_id"]
        self.services = data["services"]
        self.scenes = data["scenes"]
        self.dashboards = data["dashboards"]
        self.lovelace = data["lovelace"]
        self.error_log = data["error_log"]
        for key in MUTABLE:
            if key != "states":
                setattr(self, key, data.get(key, [] if key != "automations" else {}))
        self.states = {s["entity_id"]: s for s in data["states"]}
        self.history = {eid: [s] for eid, s in self.states.items()}
        diag_load(self)
        self.helpers = helpers_from_states(self.states)  # storage collections (helpers block)

    def reset(self):
        self.load(self.fixture)
        self.calls.clear()
        self.requests.clear()
        self.commands.clear()
        self.rules.clear()
        self.refuse = 0
        self.save()

    def save(self):
        if not self.state_file:
            return
        doc = {key: getattr(self, key) for key in MUTABLE if key != "states"}
        doc["states"] = list(self.states.values())
        tmp = self.state_file + ".tmp"
        with open(tmp, "w", encoding="utf-8") as fh:
            json.dump(doc, fh)
        os.replace(tmp, self.state_file)

    # ------------------------------------------------------------ rules

    def rule(self, key, value):
        """The first rule for a REST path (key "prefix") or a WebSocket command
        (key "ws_command") that still applies; uses one of its times."""
        for r in self.rules:
            if key not in r or r["times"] == 0:
                continue
            hit = value.startswith(r[key]) if key == "prefix" else value == r[key]
            if hit:
                if r["times"] > 0:
                    r["times"] -= 1
                return dict(r)
        return None

    # ------------------------------------------------------------ events

    def fire(self, event_type, data, context=None, origin="LOCAL"):
        event = {"event_type": event_type, "data": data, "origin": origin,
                 "time_fired": now_iso(),
                 "context": context or {"id": new_ulid(), "parent_id": None, "user_id": None}}
        for conn in list(self.conns.values()):
            for sub_id, wanted in list(conn.subs.items()):
                if wanted is None or wanted == event_type:
                    conn.send({"id": sub_id, "type": "event", "event": event})

    def listener_counts(self):
        counts = {"state_changed": 0, "call_service": 0}
        for conn in self.conns.values():
            for wanted in conn.subs.values():
                key = wanted or "*"
                counts[key] = counts.get(key, 0) + 1
        return [{"event": k, "listener_count": v} for k, v in sorted(counts.items())]

    # ------------------------------------------------------------ states

    def set_state(self, entity_id, state, attributes, context, changed=None):
        """HA's states.async_set: fires state_changed when state or attributes
        differ; last_changed moves only with the state.  state None removes."""
        old = self.states.get(entity_id)
        if state is None:
            if old is None:
                return None
            del self.states[entity_id]
            self.fire("state_changed", {"entity_id": entity_id, "old_state": old,
                                        "new_state": None}, context)
            self.save()
            return None
        state = str(state)
        attributes = attributes if attributes is not None else {}
        if old and old["state"] == state and old["attributes"] == attributes:
            return old
        ts = now_iso()
        new = {"entity_id": entity_id, "state": state, "attributes": attributes,
               "last_changed": old["last_changed"] if old and old["state"] == state else ts,
               "last_reported": ts, "last_updated": ts, "context": context}
        self.states[entity_id] = new
        self.history.setdefault(entity_id, []).append(new)
        del self.history[entity_id][:-200]
        if changed is not None:
            changed.append(new)
        self.fire("state_changed", {"entity_id": entity_id, "old_state": old,
                                    "new_state": new}, context)
        self.save()
        return new

    def device_state(self, entity_id, state, attributes, merge=False):
        old = self.states.get(entity_id)
        if merge and old:
            attributes = dict(old["attributes"], **(attributes or {}))
        elif attributes is None and old:
            attributes = old["attributes"]
        ctx = {"id": new_ulid(), "parent_id": None, "user_id": None}
        return self.set_state(entity_id, state, attributes, ctx)

    # ------------------------------------------------------------ registries

    def area_of(self, entity_id):
        for e in self.entities:
            if e["entity_id"] == entity_id:
                if e["area_id"]:
                    return e["area_id"]
                for d in self.devices:
                    if d["id"] == e["device_id"]:
                        return d["area_id"]
        return None

    def resolve(self, data, target):
        """Entity ids a service call targets: entity_id, device_id, area_id,
        floor_id (each a string or a list; entity_id "all": every entity)."""
        want = {}
        for src in (data or {}, target or {}):
            for key in ("entity_id", "device_id", "area_id", "floor_id"):
                v = src.get(key)
                if v is None:
                    continue
                if isinstance(v, str):
                    v = [x.strip() for x in v.split(",")]
                want.setdefault(key, []).extend(v)
        out = []
        if "all" in want.get("entity_id", []):
            return sorted(self.states)
        out.extend(want.get("entity_id", []))
        areas = set(want.get("area_id", []))
        floors = set(want.get("floor_id", []))
        areas |= {a["area_id"] for a in self.areas if a.get("floor_id") in floors}
        devices = set(want.get("device_id", []))
        for e in self.entities:
            # As HA: device and area targets leave out disabled, hidden and
            # config/diagnostic entities.
            if e["disabled_by"] or e["entity_category"] or e["hidden_by"]:
                continue
            if e["device_id"] and e["device_id"] in devices:
                out.append(e["entity_id"])
            elif areas and self.area_of(e["entity_id"]) in areas:
                out.append(e["entity_id"])
        seen = []
        for eid in out:
            if eid not in seen:
                seen.append(eid)
        return seen

    def registry_change(self, kind, action, item):
        lists = {"area": ("areas", "area_id"), "floor": ("floors", "floor_id"),
                 "device": ("devices", "id"), "entity": ("entities", "entity_id")}
        if kind not in lists or action not in ("create", "update", "remove"):
            raise ValueError("kind: area|floor|device|entity, action: create|update|remove")
        attr, key = lists[kind]
        rows = getattr(self, attr)
        ident = item.get(key)
        if not ident:
            raise ValueError("item needs " + key)
        idx = next((i for i, r in enumerate(rows) if r[key] == ident), None)
        ts = time.time()
        data = {"action": action, ("%s_id" % kind if kind != "entity" else "entity_id"): ident}
        if action == "create":
            if idx is not None:
                raise ValueError("%s %s exists" % (kind, ident))
            row = dict(item)
            row.setdefault("created_at", ts)
            row.setdefault("modified_at", ts)
            rows.append(row)
        elif idx is None:
            raise ValueError("no %s %s" % (kind, ident))
        elif action == "remove":
            rows.pop(idx)
            if kind == "entity" and ident in self.states:
                self.device_state(ident, None, None)
        else:
            row = rows[idx]
            changes = {}
            for k, v in item.items():
                if k in (key, "new_entity_id"):
                    continue
                changes[k] = row.get(k)
                row[k] = v
            if kind == "entity" and item.get("new_entity_id"):
                new_id = item["new_entity_id"]
                changes["entity_id"] = ident
                row["entity_id"] = new_id
                data["entity_id"] = new_id
                data["old_entity_id"] = ident
                if ident in self.entities_extended:
                    self.entities_extended[new_id] = self.entities_extended.pop(ident)
                old = self.states.get(ident)
                if old:
                    self.device_state(ident, None, None)
                    self.device_state(new_id, old["state"], old["attributes"])
            row["modified_at"] = ts
            if kind in ("device", "entity"):
                data["changes"] = changes
        self.fire("%s_registry_updated" % kind, data)
        self.save()

    # ------------------------------------------------------------ services

    def call_service(self, via, domain, service, data, target, return_response=False):
        """Runs one service call as HA would; returns (changed states, context,
        response) or raises Failure.  Every call is recorded."""
        data = dict(data or {})
        context = {"id": new_ulid(), "parent_id": None, "user_id": self.user_id}
        record = {"via": via, "domain": domain, "service": service, "service_data": data,
                  "target": target, "entity_ids": [], "context_id": context["id"],
                  "success": True, "error": None, "at": time.time()}
        self.calls.append(record)
        changed = []
        try:
            desc = self.services.get(domain, {}).get(service)
            if desc is None:
                raise Failure("not_found", "Action %s.%s not found." % (domain, service))
            if return_response and "response" not in desc:
                raise Failure("service_validation_error",
                              "An action which does not return responses can't be called "
                              "with return_response=True")
            if not return_response and desc.get("response", {}).get("optional") is False:
                raise Failure("service_validation_error",
                              "An action which requires responses must be called with "
                              "return_response=True")
            ids = self.resolve(data, target)
            if domain != "homeassistant":
                ids = [i for i in ids if i.split(".")[0] == domain]
            record["entity_ids"] = ids
            self.fire("call_service", {"domain": domain, "service": service,
                                       "service_data": dict(data, **(target or {}))}, context)
            fields = {k: v for k, v in data.items()
                      if k not in ("entity_id", "device_id", "area_id", "floor_id",
                                   "label_id")}
            response = self.run(domain, service, ids, fields, context, changed)
        except Failure as exc:
            record["success"] = False
            record["error"] = {"code": exc.code, "message": exc.message}
            raise
        return changed, context, response

    def run(self, domain, service, ids, fields, context, changed):
        if domain == "homeassistant" and service in ("turn_on", "turn_off", "toggle"):
            for eid in ids:
                d = eid.split(".")[0]
                if d == "scene" and service == "turn_on":
                    self.run("scene", "turn_on", [eid], {}, context, changed)
                elif d in ON_OFF_DOMAINS:
                    self.run(d, service, [eid], {}, context, changed)
            return None
        if domain == "script" and service not in ("turn_on", "turn_off", "toggle", "reload"):
            ids, service = ["script." + service], "run"
        for eid in ids:
            old = self.states.get(eid)
            if eid.split(".")[0] != domain or old is None or old["state"] == "unavailable":
                continue  # HA skips other domains and unavailable entities
            new_state, attrs = self.apply(domain, service, old, fields, context, changed)
            if new_state is not None:
                self.set_state(eid, new_state, attrs, context, changed)
        if domain == "script" and service == "run" and fields.get("message") is not None:
            return {"spoken": fields["message"]}
        if domain == "weather" and service == "get_forecasts":
            return {eid: {"forecast": [{"datetime": now_iso(), "condition": "cloudy",
                                        "temperature": 7.0, "templow": 2.0}]} for eid in ids}
        return None

    def apply(self, domain, service, old, fields, context, changed):
        """The new (state, attributes) of one entity, or (None, None) for no change."""
        st = old["state"]
        a = copy.deepcopy(old["attributes"])
        if service == "toggle":
            service = "turn_off" if st not in ("off", "unknown", "idle", "standby") else "turn_on"
            if domain == "media_player":
                service = "turn_off" if st != "off" else "turn_on"
        if domain == "light":
            if service == "turn_off":
                for k in ("brightness", "color_mode", "color_temp_kelvin", "color_temp",
                          "hs_color", "rgb_color", "xy_color", "effect"):
                    if k in a:
                        a[k] = None
                return "off", a
            if service != "turn_on":
                return None, None
            modes = a.get("supported_color_modes") or ["onoff"]
            bri = a.get("brightness") or 255
            if "brightness" in fields:
                bri = int(fields["brightness"])
            if "brightness_pct" in fields:
                bri = round(255 * float(fields["brightness_pct"]) / 100)
            if "brightness_step_pct" in fields:
                bri = bri + round(255 * float(fields["brightness_step_pct"]) / 100)
            bri = max(0, min(255, bri))
            if bri == 0:
                return self.apply(domain, "turn_off", old, {}, context, changed)
            if modes != ["onoff"]:
                a["brightness"] = bri
            if "color_temp" in modes or "xy" in modes or "hs" in modes:
                if "color_temp_kelvin" in fields:
                    k = int(fields["color_temp_kelvin"])
                    k = max(a.get("min_color_temp_kelvin", 2000),
                            min(a.get("max_color_temp_kelvin", 6500), k))
                    a.update({"color_mode": "color_temp", "color_temp_kelvin": k,
                              "color_temp": round(1000000 / k)})
                elif ("rgb_color" in fields or "hs_color" in fields) and "xy" in modes:
                    if "rgb_color" in fields:
                        a["rgb_color"] = list(fields["rgb_color"])
                    if "hs_color" in fields:
                        a["hs_color"] = list(fields["hs_color"])
                    a.update({"color_mode": "xy", "color_temp_kelvin": None, "color_temp": None})
                elif not a.get("color_mode"):
                    a.update({"color_mode": "color_temp",
                              "color_temp_kelvin": a.get("color_temp_kelvin") or 2700,
                              "color_temp": round(1000000 / (a.get("color_temp_kelvin") or 2700))})
            elif not a.get("color_mode"):
                a["color_mode"] = modes[0]
            if "effect" in fields and "effect_list" in a:
                if fields["effect"] not in a["effect_list"]:
                    raise Failure("service_validation_error",
                                  "Effect %s is not supported" % fields["effect"])
                a["effect"] = fields["effect"]
            return "on", a
        if domain in ("switch", "input_boolean", "automation", "fan", "camera"):
            if domain == "automation" and service == "trigger":
                a["last_triggered"] = now_iso()
                return st, a
            if domain == "camera" and service == "snapshot":
                return None, None
            if service in ("turn_on", "turn_off"):
                if domain == "camera":
                    return ("idle" if service == "turn_on" else "off"), a
                return ("on" if service == "turn_on" else "off"), a
            return None, None
        if domain == "script":
            if service in ("turn_on", "run"):
                a["last_triggered"] = now_iso()
                return "off", a  # the fixture's scripts end at once
            return None, None
        if domain in ("button", "input_button") and service == "press":
            return now_iso(), a
        if domain == "scene" and service == "turn_on":
            members = self.scenes.get(old["entity_id"].split(".", 1)[1], {})
            for eid, want in members.items():
                want = dict(want)
                target_state = want.pop("state", "on")
                d = eid.split(".")[0]
                if d in ("light", "switch", "input_boolean", "media_player", "camera"):
                    svc = "turn_on" if target_state == "on" else "turn_off"
                    self.run(d, svc, [eid], want if svc == "turn_on" else {}, context, changed)
                elif d == "climate":
                    self.run(d, "set_hvac_mode", [eid], {"hvac_mode": target_state}, context,
                             changed)
                    if "temperature" in want:
                        self.run(d, "set_temperature", [eid],
                                 {"temperature": want["temperature"]}, context, changed)
            return now_iso(), a
        if domain == "input_number":
            value = float(st)
            if service == "set_value":
                value = float(fields.get("value"))
            elif service == "increment":
                value = min(a["max"], value + a["step"])
            elif service == "decrement":
                value = max(a["min"], value - a["step"])
            else:
                return None, None
            if not a["min"] <= value <= a["max"]:
                raise Failure("service_validation_error",
                              "Invalid value for %s: %s (range %s - %s)" %
                              (old["entity_id"], value, a["min"], a["max"]))
            return str(float(value)), a
        if domain == "climate":
            if service == "turn_off":
                a["hvac_action"] = "off"
                return "off", a
            if service == "turn_on":
                return ("heat" if st == "off" else st), a
            if service == "set_hvac_mode":
                mode = fields.get("hvac_mode")
                if mode not in a.get("hvac_modes", []):
                    raise Failure("service_validation_error",
                                  "HVAC mode %s is not valid. Valid HVAC modes are: %s" %
                                  (mode, ", ".join(a.get("hvac_modes", []))))
                return mode, a
            if service == "set_temperature":
                if "temperature" in fields:
                    t = float(fields["temperature"])
                    if not a.get("min_temp", -100) <= t <= a.get("max_temp", 100):
                        raise Failure("service_validation_error",
                                      "Provided temperature %s is not valid. Accepted range is "
                                      "%s to %s" % (t, a.get("min_temp"), a.get("max_temp")))
                    a["temperature"] = t
                return fields.get("hvac_mode", st), a
            for svc, attr, lst in (("set_preset_mode", "preset_mode", "preset_modes"),
                                   ("set_fan_mode", "fan_mode", "fan_modes")):
                if service == svc:
                    v = fields.get(attr)
                    if v not in a.get(lst, []):
                        raise Failure("service_validation_error",
                                      "%s %s is not valid. Valid %s are: %s" %
                                      (attr.replace("_", " ").capitalize(), v,
                                       lst.replace("_", " "), ", ".join(a.get(lst, []))))
                    a[attr] = v
                    return st, a
            return None, None
        if domain == "media_player":
            if service == "turn_off":
                return "off", a
            if service == "turn_on":
                return ("idle" if st == "off" else st), a
            if service == "media_play":
                return "playing", a
            if service == "media_pause":
                return "paused", a
            if service == "media_stop":
                return "idle", a
            if service == "volume_set":
                a["volume_level"] = float(fields.get("volume_level", 0))
                return st, a
            if service == "volume_mute":
                a["is_volume_muted"] = bool(fields.get("is_volume_muted"))
                return st, a
            if service == "play_media":
                a["media_content_id"] = fields.get("media_content_id")
                a["media_content_type"] = fields.get("media_content_type")
                return "playing", a
            return None, None
        return None, None

    # ------------------------------------------------------------ template

    def render(self, template):
        def one(expr):
            expr = expr.strip()
            m = re.fullmatch(r"states\(\s*['\"]([\w.]+)['\"]\s*\)", expr)
            if m:
                s = self.states.get(m.group(1))
                return s["state"] if s else "unknown"
            m = re.fullmatch(r"state_attr\(\s*['\"]([\w.]+)['\"]\s*,\s*['\"](\w+)['\"]\s*\)",
                             expr)
            if m:
                s = self.states.get(m.group(1))
                v = s["attributes"].get(m.group(2)) if s else None
                return str(v)
            m = re.fullmatch(r"is_state\(\s*['\"]([\w.]+)['\"]\s*,\s*['\"]([^'\"]*)['\"]\s*\)",
                             expr)
            if m:
                s = self.states.get(m.group(1))
                return str(bool(s and s["state"] == m.group(2)))
            if expr == "now()":
                return str(datetime.datetime.now().astimezone())
            raise ValueError("UndefinedError: '%s' is undefined" % expr)

        if "{%" in template:
            raise ValueError("TemplateSyntaxError: statements are not supported here")
        return re.sub(r"\{\{(.*?)\}\}", lambda m: one(m.group(1)), template)



# ==================================================================== helpers
# Storage collections: HA's UI-made helpers (homeassistant/helpers/
# collection.py, StorageCollectionWebsocket, and each helper integration's
# STORAGE_FIELDS).  For every domain in HELPER_DOMAINS:
#   <domain>/list                   the collection's items [{id, name, ...}]
#   <domain>/create {name, ...}     a new item {id: slugify(name) made unique
#                                   (_2, _3 ...), name, options with HA's
#                                   defaults}; its entity <domain>.<id> gets a
#                                   state and a registry entry
#   <domain>/update {<domain>_id, name, ...}
#   <domain>/delete {<domain>_id}   result null; the entity goes
# Errors as HA sends them: invalid_format with voluptuous' humanized text
# ("required key not provided @ data['name']", "extra keys not allowed @
# data['x']", "Maximum (1.0) is not greater than minimum (5.0)" ...),
# not_found "Unable to find <domain>_id <id>".  (HA itself, after a delete's
# not_found, also sends a success result for the same id; this one does not.)
# The collections start from the fixture's helper states marked editable.

HELPER_DOMAINS = ("input_boolean", "input_number", "input_text", "input_select",
                  "input_datetime", "input_button", "counter", "timer")


def _is_bool(v):
    return isinstance(v, bool)


def _is_num(v):
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def _is_int(v):
    return isinstance(v, int) and not isinstance(v, bool)


def _is_str(v):
    return isinstance(v, str)


def _is_opt_int(v):
    return v is None or _is_int(v)


def _is_period(v):
    return (_is_int(v) and v >= 0) or (isinstance(v, str) and
                                       re.fullmatch(r"\d+:\d{1,2}(:\d{1,2})?", v) is not None)


# field: (check, what voluptuous says it expected, default or None)
HELPER_FIELDS = {
    "input_boolean": {"initial": (_is_bool, "boolean", None)},
    "input_button": {},
    "input_number": {"min": (_is_num, "float", None), "max": (_is_num, "float", None),
                     "initial": (_is_num, "float", None), "step": (_is_num, "float", 1),
                     "mode": (lambda v: v in ("box", "slider"), "one of box, slider",
                              "slider"),
                     "unit_of_measurement": (_is_str, "str", None)},
    "input_text": {"min": (_is_int, "int", 0), "max": (_is_int, "int", 100),
                   "initial": (_is_str, "str", None), "pattern": (_is_str, "str", None),
                   "mode": (lambda v: v in ("text", "password"), "one of text, password",
                            "text"),
                   "unit_of_measurement": (_is_str, "str", None)},
    "input_select": {"options": (lambda v: isinstance(v, list) and all(map(_is_str, v)),
                                 "list", None),
                     "initial": (_is_str, "str", None)},
    "input_datetime": {"has_date": (_is_bool, "boolean", False),
                       "has_time": (_is_bool, "boolean", False),
                       "initial": (_is_str, "str", None)},
    "counter": {"initial": (_is_int, "int", 0), "minimum": (_is_opt_int, "int", None),
                "maximum": (_is_opt_int, "int", None), "step": (_is_int, "int", 1),
                "restore": (_is_bool, "boolean", True)},
    "timer": {"duration": (_is_period, "a time period", "0:00:00"),
              "restore": (_is_bool, "boolean", False)},
}
HELPER_REQUIRED = {"input_number": ("min", "max"), "input_select": ("options",)}


def helper_slugify(text):
    out = re.sub(r"[^a-z0-9]+", "_", text.lower()).strip("_")
    return out or "unknown"


def helpers_from_states(states):
    """The storage collections the fixture's editable helper states stand for."""
    out = {d: [] for d in HELPER_DOMAINS}
    for eid, st in sorted(states.items()):
        domain, obj = eid.split(".", 1)
        a = st.get("attributes", {})
        if domain not in out or not a.get("editable"):
            continue
        item = {"id": obj, "name": a.get("friendly_name", obj)}
        if a.get("icon"):
            item["icon"] = a["icon"]
        for key in HELPER_FIELDS[domain]:
            if key in a and a[key] is not None:
                item[key] = a[key]
        out[domain].append(item)
    return out


def helper_validate(domain, data):
    """HA's STORAGE_FIELDS check: the item with defaults, or ValueError with
    voluptuous' humanized message."""
    fields = HELPER_FIELDS[domain]
    item = {}
    for key, value in data.items():
        if key == "name":
            if not isinstance(value, str) or not value:
                raise ValueError("length of value must be at least 1 for dictionary value "
                                 "@ data['name']" if isinstance(value, str) else
                                 "expected str for dictionary value @ data['name']")
        elif key == "icon":
            if not isinstance(value, str) or ":" not in value:
                raise ValueError("Icons should be specified in the form \"prefix:name\" for "
                                 "dictionary value @ data['icon']")
        elif key not in fields:
            raise ValueError("extra keys not allowed @ data['%s']" % key)
        elif not fields[key][0](value):
            raise ValueError("expected %s for dictionary value @ data['%s']" %
                             (fields[key][1], key))
        item[key] = value
    for key in ("name",) + HELPER_REQUIRED.get(domain, ()):
        if key not in item:
            raise ValueError("required key not provided @ data['%s']" % key)
    for key, (_check, _what, default) in fields.items():
        if key not in item and default is not None:
            item[key] = default
    if domain == "input_number":
        item["min"], item["max"] = float(item["min"]), float(item["max"])
        item["step"] = float(item["step"])
        if item["max"] <= item["min"]:
            raise ValueError("Maximum (%s) is not greater than minimum (%s)" %
                             (item["max"], item["min"]))
        if item.get("initial") is not None and not item["min"] <= item["initial"] <= item["max"]:
            raise ValueError("Initial value %s not in range %s-%s" %
                             (item["initial"], item["min"], item["max"]))
    if domain == "input_text" and item["min"] > item["max"]:
        raise ValueError("Max len (%s) is not greater than min len (%s)" %
                         (item["max"], item["min"]))
    if domain == "input_select":
        if not item["options"]:
            raise ValueError("length of value must be at least 1 for dictionary value "
                             "@ data['options']")
        if len(set(item["options"])) != len(item["options"]):
            raise ValueError("Duplicate options are not allowed")
        if "initial" in item and item["initial"] not in item["options"]:
            raise ValueError("initial state %s is not part of the options: %s" %
                             (item["initial"], ",".join(item["options"])))
    if domain == "input_datetime" and not (item["has_date"] or item["has_time"]):
        raise ValueError("Entity needs at least a date or a time")
    if domain == "timer" and _is_int(item["duration"]):
        d = item["duration"]
        item["duration"] = "%d:%02d:%02d" % (d // 3600, d // 60 % 60, d % 60)
    return item


def helper_state(domain, item):
    """The state and attributes HA's entity of a helper item shows."""
    a = {"editable": True}
    for key in HELPER_FIELDS[domain]:
        if key in item:
            a[key] = item[key]
    a["friendly_name"] = item["name"]
    if item.get("icon"):
        a["icon"] = item["icon"]
    if domain == "input_boolean":
        return ("on" if item.get("initial") else "off"), a
    if domain == "input_number":
        return str(float(item.get("initial") if item.get("initial") is not None
                         else item["min"])), a
    if domain == "input_text":
        return item.get("initial") or "", a
    if domain == "input_select":
        return item.get("initial") or item["options"][0], a
    if domain == "counter":
        return str(item["initial"]), a
    if domain == "timer":
        return "idle", a
    return "unknown", a


def helper_ws_command(house, conn, msg, ws_result, ws_error):
    """<domain>/list|create|update|delete; False for any other command."""
    kind = msg["type"]
    domain, _, verb = kind.partition("/")
    if domain not in HELPER_DOMAINS or verb not in ("list", "create", "update", "delete"):
        return False
    items = house.helpers.setdefault(domain, [])
    mid = msg["id"]
    if verb == "list":
        ws_result(conn, mid, items)
        return True
    data = {k: v for k, v in msg.items() if k not in ("id", "type")}
    key = domain + "_id"
    if verb in ("update", "delete"):
        if not isinstance(data.get(key), str):
            ws_error(conn, mid, "invalid_format", "required key not provided @ data['%s']" % key)
            return True
        ident = data.pop(key)
        idx = next((i for i, it in enumerate(items) if it["id"] == ident), None)
        if idx is None:
            ws_error(conn, mid, "not_found", "Unable to find %s %s" % (key, ident))
            return True
        eid = "%s.%s" % (domain, ident)
        if verb == "delete":
            items.pop(idx)
            house.entities = [e for e in house.entities if e["entity_id"] != eid]
            house.device_state(eid, None, None)
            house.save()
            ws_result(conn, mid, None)
            return True
        merged = {k: v for k, v in items[idx].items() if k != "id"}
        merged.update(data)
        try:
            item = dict(id=ident, **helper_validate(domain, merged))
        except ValueError as exc:
            ws_error(conn, mid, "invalid_format", str(exc))
            return True
        items[idx] = item
        state, attrs = helper_state(domain, item)
        old = house.states.get(eid)
        house.device_state(eid, old["state"] if old else state, attrs)
        house.save()
        ws_result(conn, mid, item)
        return True
    try:
        item = helper_validate(domain, data)
    except ValueError as exc:
        ws_error(conn, mid, "invalid_format", str(exc))
        return True
    base = helper_slugify(item["name"])
    ident, attempt = base, 1
    taken = {it["id"] for it in items}
    while ident in taken or "%s.%s" % (domain, ident) in house.states:
        attempt += 1
        ident = "%s_%d" % (base, attempt)
    item = dict(id=ident, **item)
    items.append(item)
    eid = "%s.%s" % (domain, ident)
    ts = time.time()
    house.entities.append({
        "area_id": None, "categories": {}, "config_entry_id": None,
        "config_subentry_id": None, "created_at": ts, "device_id": None, "disabled_by": None,
        "entity_category": None, "entity_id": eid, "has_entity_name": False,
        "hidden_by": None, "icon": None, "id": new_ulid().lower()[:32], "labels": [],
        "modified_at": ts, "name": None, "options": {}, "original_name": item["name"],
        "platform": domain, "translation_key": None, "unique_id": ident})
    state, attrs = helper_state(domain, item)
    house.device_state(eid, state, attrs)
    house.fire("entity_registry_updated", {"action": "create", "entity_id": eid})
    house.save()
    ws_result(conn, mid, item)
    return True
# ================================================================ end helpers


class Conn:
    """One WebSocket connection: an outgoing queue keeps messages in order."""

    def __init__(self, number, ws):
        self.number = number
        self.ws = ws
        self.authed = False
        self.subs = {}
        self.last_id = 0
        self.messages = 0
        self.queue = asyncio.Queue()

    def send(self, doc):
        self.queue.put_nowait(json.dumps(doc))

    async def writer(self):
        while True:
            text = await self.queue.get()
            if text is None:
                return
            try:
                await self.ws.send_str(text)
            except (ConnectionError, RuntimeError):
                return


# ------------------------------------------------------------ diagnostics
# Config entries, the error log and check_config, as HA's config integration
# and its /api/error_log answer them (homeassistant/components/config/
# config_entries.py: config_entries/get; ConfigEntry.as_json_fragment).

CONFIG_ENTRY_STATES = ("loaded", "setup_error", "migration_error", "setup_retry",
                       "not_loaded", "failed_unload", "setup_in_progress",
                       "unload_in_progress")


def diag_load(house):
    """The house's config entries (one per integration its registries name),
    and check_config's answer, as at start."""
    entries = {}
    for e in house.entities:
        eid, domain = e.get("config_entry_id"), e.get("platform")
        if eid and domain and eid not in entries:
            entries[eid] = {
                "created_at": 1767254400.0, "entry_id": eid, "domain": domain,
                "modified_at": 1767254400.0,
                "title": domain.replace("_", " ").title(), "source": "user",
                "state": "loaded", "supports_options": False,
                "supports_remove_device": False, "supports_unload": True,
                "supports_reconfigure": False, "supported_subentry_types": {},
                "pref_disable_new_entities": False, "pref_disable_polling": False,
                "disabled_by": None, "reason": None,
                "error_reason_translation_key": None,
                "error_reason_translation_placeholders": None, "num_subentries": 0}
    house.config_entries = entries
    house.check_config = {"result": "valid", "errors": None, "warnings": None}


def diag_ws_config_entries(house, conn, msg, ws_result, ws_error):
    out = list(house.config_entries.values())
    if msg.get("domain"):
        out = [e for e in out if e["domain"] == msg["domain"]]
    return ws_result(conn, msg["id"], out)


DIAG_WS_COMMANDS = {"config_entries/get": diag_ws_config_entries}
DIAG_CONTROLS = ("config_entry", "error_log", "check_config")


def diag_control(house, what, body):
    """A /_test/ control of this block (what in DIAG_CONTROLS): its answer."""
    if what == "config_entry":
        state = str(body["state"])
        if state not in CONFIG_ENTRY_STATES:
            raise ValueError("state must be one of %s" % ", ".join(CONFIG_ENTRY_STATES))
        hits = [e for e in house.config_entries.values()
                if e["entry_id"] == body.get("entry_id") or e["domain"] == body.get("domain")]
        if not hits:
            raise KeyError("no such config entry")
        for e in hits:
            e["state"] = state
            e["reason"] = body.get("reason")
        return {"ok": True, "entries": hits}
    if what == "error_log":
        if "append" in body:
            house.error_log += str(body["append"])
        else:
            house.error_log = str(body["text"])
        return {"ok": True}
    if what == "check_config":
        house.check_config = {"result": str(body.get("result", "valid")),
                              "errors": body.get("errors"), "warnings": body.get("warnings")}
        return {"ok": True}
    raise KeyError(what)


def text(status, body):
    return web.Response(status=status, text=body, content_type="text/plain")


def jsonr(doc, status=200, headers=None):
    return web.Response(status=status, text=json.dumps(doc), content_type="application/json",
                        headers=headers)


def make_app(house):
    routes = web.RouteTableDef()

    async def body_json(request):
        raw = await request.read()
        if not raw:
            return None
        try:
            return json.loads(raw)
        except ValueError:
            return raw.decode("utf-8", "replace")

    # ------------------------------------------------------------ test control

    @routes.get("/_test/calls")
    async def t_calls(request):
        q = request.query
        out = [c for c in house.calls
               if (not q.get("domain") or c["domain"] == q["domain"])
               and (not q.get("service") or c["service"] == q["service"])]
        return jsonr(out)

    @routes.get("/_test/requests")
    async def t_requests(request):
        prefix = request.query.get("prefix", "")
        return jsonr([r for r in house.requests if r["path"].startswith(prefix)])

    @routes.get("/_test/commands")
    async def t_commands(request):
        kind = request.query.get("type")
        return jsonr([c for c in house.commands if not kind or c["type"] == kind])

    @routes.get("/_test/ws")
    async def t_ws(request):
        return jsonr([{"conn": c.number, "authed": c.authed, "messages": c.messages,
                       "subscriptions": [{"id": k, "event_type": v} for k, v in c.subs.items()]}
                      for c in house.conns.values()])

    @routes.get("/_test/state/{entity_id}")
    async def t_get_state(request):
        s = house.states.get(request.match_info["entity_id"])
        return jsonr(s) if s else jsonr({"message": "Entity not found."}, 404)

    @routes.post("/_test/{what}")
    async def t_control(request):
        what = request.match_info["what"]
        body = await body_json(request)
        body = body if isinstance(body, dict) else {}
        try:
            if what == "reset":
                house.reset()
            elif what == "state":
                new = house.device_state(body["entity_id"], body.get("state"),
                                         body.get("attributes"), bool(body.get("merge")))
                return jsonr({"ok": True, "state": new})
            elif what == "event":
                house.fire(body["event_type"], body.get("data") or {})
            elif what == "burst":
                states = [str(x) for x in body.get("states") or ["on", "off"]]
                for n in range(int(body.get("count", 1))):
                    house.device_state(body["entity_id"], states[n % len(states)], None)
            elif what == "registry":
                house.registry_change(body.get("kind"), body.get("action"),
                                      body.get("item") or {})
            elif what in ("fail", "delay"):
                rule = {"times": int(body.get("times", 1 if what == "fail" else -1)),
                        "delay_ms": int(body.get("ms", body.get("delay_ms", 0)))}
                if "ws_command" in body:
                    rule["ws_command"] = str(body["ws_command"])
                else:
                    rule["prefix"] = str(body.get("prefix", "/"))
                if what == "fail":
                    rule.update({"status": int(body.get("status", 500)),
                                 "code": str(body.get("code", "unknown_error")),
                                 "message": str(body.get("message", "failing on purpose")),
                                 "close": bool(body.get("close"))})
                house.rules.insert(0, rule)
            elif what == "drop":
                n = len(house.conns)
                for c in list(house.conns.values()):
                    c.queue.put_nowait(None)
                    await c.ws.close(code=1001, message=b"going away")
                return jsonr({"ok": True, "dropped": n})
            elif what == "refuse":
                house.refuse = int(body.get("times", -1))
            elif what == "config":
                house.config.update(body)
            elif what == "token":
                house.token = str(body["token"])
            elif what in DIAG_CONTROLS:
                return jsonr(diag_control(house, what, body))
            else:
                return jsonr({"message": "no such control"}, 404)
        except (KeyError, ValueError, TypeError) as exc:
            return jsonr({"ok": False, "message": str(exc)}, 400)
        return jsonr({"ok": True})

    # ------------------------------------------------------------ REST

    @web.middleware
    async def rest_gate(request, handler):
        path = request.path
        if not path.startswith("/api/") or path == "/api/websocket":
            return await handler(request)
        header = request.headers.get("Authorization", "")
        auth = "missing" if not header else (
            "ok" if header == "Bearer " + house.token else "wrong")
        raw = await request.read()
        try:
            body = json.loads(raw) if raw else None
        except ValueError:
            body = raw.decode("utf-8", "replace")
        house.requests.append({"method": request.method, "path": path,
                               "query": request.query_string, "auth": auth, "body": body,
                               "at": time.time()})
        rule = house.rule("prefix", path)
        if rule and rule["delay_ms"]:
            await asyncio.sleep(rule["delay_ms"] / 1000.0)
        if auth != "ok":
            return text(401, "401: Unauthorized")
        if rule and rule.get("status", 0) >= 300:
            return jsonr({"message": rule.get("message", "failing on purpose")}, rule["status"])
        try:
            return await handler(request)
        except web.HTTPNotFound:
            return text(404, "404: Not Found")

    @routes.get("/api/")
    async def api_root(request):
        return jsonr({"message": "API running."})

    @routes.get("/api/config")
    async def api_config(request):
        return jsonr(house.config)

    @routes.get("/api/states")
    async def api_states(request):
        return jsonr(list(house.states.values()))

    @routes.get("/api/states/{entity_id}")
    async def api_state(request):
        s = house.states.get(request.match_info["entity_id"])
        return jsonr(s) if s else jsonr({"message": "Entity not found."}, 404)

    @routes.post("/api/states/{entity_id}")
    async def api_set_state(request):
        eid = request.match_info["entity_id"]
        body = await body_json(request)
        if not isinstance(body, dict):
            return jsonr({"message": "Invalid JSON specified."}, 400)
        if "state" not in body:
            return jsonr({"message": "No state specified."}, 400)
        if not re.fullmatch(r"[a-z0-9_]+\.[a-z0-9_]+", eid):
            return jsonr({"message": "Invalid entity ID specified."}, 400)
        existed = eid in house.states
        ctx = {"id": new_ulid(), "parent_id": None, "user_id": house.user_id}
        new = house.set_state(eid, body["state"], body.get("attributes") or {}, ctx)
        if existed:
            return jsonr(new)
        return jsonr(new, 201, {"Location": "/api/states/" + eid})

    @routes.delete("/api/states/{entity_id}")
    async def api_del_state(request):
        eid = request.match_info["entity_id"]
        if eid not in house.states:
            return jsonr({"message": "Entity not found."}, 404)
        house.device_state(eid, None, None)
        return jsonr({"message": "Entity removed."})

    @routes.get("/api/services")
    async def api_services(request):
        return jsonr([{"domain": d, "services": s} for d, s in house.services.items()])

    @routes.post("/api/services/{domain}/{service}")
    async def api_call(request):
        body = await body_json(request)
        if body is not None and not isinstance(body, dict):
            return jsonr({"message": "Data should be valid JSON."}, 400)
        want = "return_response" in request.query
        try:
            changed, _ctx, resp = house.call_service(
                "rest", request.match_info["domain"], request.match_info["service"], body,
                None, want)
        except Failure:
            return text(400, "400: Bad Request")  # as HA: no detail over REST
        if want:
            return jsonr({"changed_states": changed, "service_response": resp})
        return jsonr(changed)

    @routes.get("/api/events")
    async def api_events(request):
        return jsonr(house.listener_counts())

    @routes.post("/api/events/{event_type}")
    async def api_fire(request):
        body = await body_json(request)
        et = request.match_info["event_type"]
        house.fire(et, body if isinstance(body, dict) else {}, origin="REMOTE")
        return jsonr({"message": "Event %s fired." % et})

    @routes.post("/api/template")
    async def api_template(request):
        body = await body_json(request)
        if not isinstance(body, dict) or not isinstance(body.get("template"), str):
            return jsonr({"message": "Error rendering template: no template"}, 400)
        try:
            return text(200, house.render(body["template"]))
        except ValueError as exc:
            return jsonr({"message": "Error rendering template: %s" % exc}, 400)

    @routes.get("/api/error_log")
    async def api_error_log(request):
        return text(200, house.error_log)

    async def history(request):
        q = request.query
        ts = request.match_info.get("ts")
        start = parse_ts(ts) if ts else (datetime.datetime.now(datetime.timezone.utc)
                                         - datetime.timedelta(days=1))
        end = parse_ts(q["end_time"]) if q.get("end_time") else None
        if start is None or (q.get("end_time") and end is None):
            return jsonr({"message": "Invalid datetime"}, 400)
        ids = [x for x in q.get("filter_entity_id", "").split(",") if x]
        if not ids:
            return jsonr({"message": "filter_entity_id is missing"}, 400)
        out = []
        for eid in ids:
            rows = []
            for s in house.history.get(eid, []):
                t = parse_ts(s["last_updated"])
                if end and t > end:
                    continue
                if t < start:
                    rows = [s]  # the state at the start of the period
                    continue
                rows.append(s)
            if rows:
                if "no_attributes" in q:
                    rows = [dict(r, attributes={}) for r in rows]
                if "minimal_response" in q and len(rows) > 2:
                    rows = [rows[0]] + [{"state": r["state"], "last_changed": r["last_changed"]}
                                        for r in rows[1:-1]] + [rows[-1]]
                out.append(rows)
        return jsonr(out)

    routes.get("/api/history/period")(history)
    routes.get("/api/history/period/{ts}")(history)

    @routes.get("/api/camera_proxy/{entity_id}")
    async def api_camera(request):
        s = house.states.get(request.match_info["entity_id"])
        if not s or not s["entity_id"].startswith("camera."):
            return text(404, "404: Not Found")
        if s["state"] == "unavailable":
            return text(503, "503: Service Unavailable")
        return web.Response(body=JPEG, content_type="image/jpeg")

    @routes.post("/api/config/core/check_config")
    async def api_check(request):
        return jsonr(house.check_config)

    @routes.get("/api/config/automation/config/{id}")
    async def api_auto_get(request):
        c = house.automations.get(request.match_info["id"])
        return jsonr(c) if c else jsonr({"message": "Resource not found"}, 404)

    @routes.post("/api/config/automation/config/{id}")
    async def api_auto_set(request):
        body = await body_json(request)
        if not isinstance(body, dict):
            return jsonr({"message": "Invalid JSON specified."}, 400)
        house.automations[request.match_info["id"]] = dict(body, id=request.match_info["id"])
        house.save()
        return jsonr({"result": "ok"})

    # ------------------------------------------------------------ WebSocket

    def ws_result(conn, mid, result):
        conn.send({"id": mid, "type": "result", "success": True, "result": result})

    def ws_error(conn, mid, code, message):
        conn.send({"id": mid, "type": "result", "success": False,
                   "error": {"code": code, "message": message}})

    def ws_command(conn, msg):
        mid, kind = msg["id"], msg["type"]
        if helper_ws_command(house, conn, msg, ws_result, ws_error):
            return None
        if kind == "ping":
            return conn.send({"id": mid, "type": "pong"})
        if kind == "supported_features":
            return ws_result(conn, mid, None)
        if kind == "get_states":
            return ws_result(conn, mid, list(house.states.values()))
        if kind == "get_config":
            return ws_result(conn, mid, house.config)
        if kind == "get_services":
            return ws_result(conn, mid, house.services)
        if kind == "config/area_registry/list":
            return ws_result(conn, mid, house.areas)
        if kind == "config/floor_registry/list":
            return ws_result(conn, mid, house.floors)
        if kind == "config/label_registry/list":
            return ws_result(conn, mid, house.labels)
        if kind == "config/device_registry/list":
            return ws_result(conn, mid, house.devices)
        if kind == "config/entity_registry/list":
            return ws_result(conn, mid, house.entities)
        if kind == "config/entity_registry/get":
            e = next((e for e in house.entities if e["entity_id"] == msg.get("entity_id")), None)
            if not e:
                return ws_error(conn, mid, "not_found", "Entity not found")
            return ws_result(conn, mid, dict(e, **house.entities_extended.get(e["entity_id"], {})))
        if kind == "lovelace/dashboards/list":
            return ws_result(conn, mid, house.dashboards)
        if kind == "lovelace/config":
            url_path = msg.get("url_path") or ""
            if url_path not in house.lovelace:
                return ws_error(conn, mid, "config_not_found",
                                "Unknown config specified: %s" % url_path)
            return ws_result(conn, mid, house.lovelace[url_path])
        if kind == "subscribe_events":
            conn.subs[mid] = msg.get("event_type")
            return ws_result(conn, mid, None)
        if kind == "unsubscribe_events":
            sub = msg.get("subscription")
            if sub not in conn.subs:
                return ws_error(conn, mid, "not_found", "Subscription not found.")
            del conn.subs[sub]
            return ws_result(conn, mid, None)
        if kind == "call_service":
            if not isinstance(msg.get("domain"), str) or not isinstance(msg.get("service"), str):
                return ws_error(conn, mid, "invalid_format",
                                "required key not provided @ data['domain']")
            try:
                _changed, ctx, resp = house.call_service(
                    "ws", msg["domain"], msg["service"], msg.get("service_data"),
                    msg.get("target"), bool(msg.get("return_response")))
            except Failure as exc:
                return ws_error(conn, mid, exc.code, exc.message)
            return ws_result(conn, mid, {"context": ctx, "response": resp})
        if kind == "fire_event":
            ctx = {"id": new_ulid(), "parent_id": None, "user_id": house.user_id}
            house.fire(msg.get("event_type", ""), msg.get("event_data") or {}, ctx)
            return ws_result(conn, mid, {"context": ctx})
        if kind == "automation/config":
            s = house.states.get(msg.get("entity_id", ""))
            cfg = house.automations.get((s or {}).get("attributes", {}).get("id", ""))
            if not cfg:
                return ws_error(conn, mid, "not_found", "Entity not found")
            return ws_result(conn, mid, {"config": cfg})
        if kind in DIAG_WS_COMMANDS:
            return DIAG_WS_COMMANDS[kind](house, conn, msg, ws_result, ws_error)
        return ws_error(conn, mid, "unknown_command", "Unknown command.")

    async def ws_delayed(conn, msg, rule):
        await asyncio.sleep(rule["delay_ms"] / 1000.0)
        ws_answer(conn, msg, rule)

    def ws_answer(conn, msg, rule):
        if rule and "status" in rule:
            if rule["close"]:
                conn.queue.put_nowait(None)
                asyncio.ensure_future(conn.ws.close(code=1011))
                return
            return ws_error(conn, msg["id"], rule["code"], rule["message"])
        ws_command(conn, msg)

    @routes.get("/api/websocket")
    async def websocket(request):
        if house.refuse:
            if house.refuse > 0:
                house.refuse -= 1
            return text(503, "503: Service Unavailable")
        ws = web.WebSocketResponse(autoping=True, max_msg_size=16 * 1024 * 1024)
        await ws.prepare(request)
        conn = Conn(house.next_conn, ws)
        house.next_conn += 1
        house.conns[conn.number] = conn
        writer = asyncio.ensure_future(conn.writer())
        try:
            conn.send({"type": "auth_required", "ha_version": house.ha_version})
            try:
                msg = await ws.receive(timeout=10)
            except asyncio.TimeoutError:
                return ws
            if msg.type != WSMsgType.TEXT:
                return ws
            try:
                auth = json.loads(msg.data)
            except ValueError:
                auth = None
            rule = house.rule("ws_command", "auth")
            if rule and rule["delay_ms"]:
                await asyncio.sleep(rule["delay_ms"] / 1000.0)
            if not isinstance(auth, dict) or auth.get("type") != "auth":
                conn.send({"type": "auth_invalid",
                           "message": "Auth message incorrectly formatted: expected type auth"})
                return ws
            ok = auth.get("access_token") == house.token and not (rule and "status" in rule)
            house.commands.append({"conn": conn.number, "type": "auth", "ok": ok,
                                   "at": time.time()})
            if not ok:
                conn.send({"type": "auth_invalid",
                           "message": "Invalid access token or password"})
                return ws
            conn.authed = True
            conn.send({"type": "auth_ok", "ha_version": house.ha_version})
            async for msg in ws:
                if msg.type != WSMsgType.TEXT:
                    break
                conn.messages += 1
                try:
                    doc = json.loads(msg.data)
                except ValueError:
                    ws_error(conn, None, "invalid_format", "Message incorrectly formatted.")
                    continue
                for one in (doc if isinstance(doc, list) else [doc]):
                    if not isinstance(one, dict) or not isinstance(one.get("id"), int) \
                            or not isinstance(one.get("type"), str):
                        ws_error(conn, one.get("id") if isinstance(one, dict) else None,
                                 "invalid_format", "Message incorrectly formatted.")
                        continue
                    house.commands.append({"conn": conn.number, "id": one["id"],
                                           "type": one["type"], "msg": one, "at": time.time()})
                    if one["id"] <= conn.last_id:
                        ws_error(conn, one["id"], "id_reuse",
                                 "Identifier values have to increase.")
                        continue
                    conn.last_id = one["id"]
                    rule = house.rule("ws_command", one["type"])
                    if rule and rule["delay_ms"]:
                        asyncio.ensure_future(ws_delayed(conn, one, rule))
                    else:
                        ws_answer(conn, one, rule)
            return ws
        finally:
            house.conns.pop(conn.number, None)
            conn.queue.put_nowait(None)
            try:
                await asyncio.wait_for(writer, 2)
            except (asyncio.TimeoutError, asyncio.CancelledError):
                writer.cancel()
            if not ws.closed:
                await ws.close()

    app = web.Application(middlewares=[rest_gate])
    app.add_routes(routes)
    return app


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    p = argparse.ArgumentParser(description="A stand-in Home Assistant for the tests.")
    p.add_argument("port", type=int)
    p.add_argument("--token", required=True)
    p.add_argument("--house", default=os.path.join(here, "fake_ha_house.json"))
    p.add_argument("--state", default=None)
    args = p.parse_args()
    house = House(args.house, args.state, args.token)
    app = make_app(house)

    async def serve():
        runner = web.AppRunner(app, access_log=None, handle_signals=True)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", args.port, reuse_address=True)
        await site.start()
        port = runner.addresses[0][1]
        print("fake_ha: listening on 127.0.0.1:%d" % port, flush=True)
        while True:
            await asyncio.sleep(3600)

    try:
        asyncio.run(serve())
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    sys.exit(main())
