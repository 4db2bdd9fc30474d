#!/usr/bin/env python3
"""Checks tests/tools/fake_ha.py against the Home Assistant behaviour the
integration tests rely on: REST and WebSocket authentication, every command,
state_changed after device and service changes, the test controls (failures,
delays, drops, refused upgrades, registry changes, reset) and a restart that
keeps states through --state.

    /usr/bin/python3 tests/tools/check_fake_ha.py [-v]

Starts its own fake_ha.py processes on free loopback ports and stops them;
prints one line per check, exits 0 when all pass.  Needs aiohttp (Debian's
python3-aiohttp).
"""
import asyncio
import json
import os
import socket
import subprocess
import sys
import tempfile
import time

import aiohttp

HERE = os.path.dirname(os.path.abspath(__file__))
TOKEN = "check-token"
VERBOSE = "-v" in sys.argv
FAILED = []


def ok(cond, what, detail=""):
    if cond:
        print("ok - " + what)
    else:
        print("not ok - %s %s" % (what, detail))
        FAILED.append(what)


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def start(port=0, state=None, house=None):
    cmd = [sys.executable, os.path.join(HERE, "fake_ha.py"), str(port), "--token", TOKEN]
    if state:
        cmd += ["--state", state]
    if house:
        cmd += ["--house", house]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    line = proc.stdout.readline().strip()
    if not line.startswith("fake_ha: listening on 127.0.0.1:"):
        proc.kill()
        sys.exit("fake_ha did not start: " + line + proc.stdout.read())
    return proc, "http://" + line.rsplit(" ", 1)[1]


def stop(proc):
    proc.terminate()
    try:
        proc.wait(5)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


class WS:
    """An authenticated WebSocket client with its own ids, keeping events aside."""

    def __init__(self, session, base):
        self.session = session
        self.url = base.replace("http://", "ws://") + "/api/websocket"
        self.next_id = 1
        self.events = []
        self.ws = None

    async def connect(self, token=TOKEN):
        self.ws = await self.session.ws_connect(self.url)
        first = await self.ws.receive_json(timeout=5)
        await self.ws.send_json({"type": "auth", "access_token": token})
        second = await self.ws.receive_json(timeout=5)
        return first, second

    async def send(self, doc):
        doc = dict(doc, id=self.next_id)
        self.next_id += 1
        await self.ws.send_json(doc)
        return doc["id"]

    async def recv(self, timeout=5):
        msg = await self.ws.receive(timeout=timeout)
        if msg.type != aiohttp.WSMsgType.TEXT:
            return None
        return json.loads(msg.data)

    async def cmd(self, doc, timeout=5):
        """Sends one command; the answer with its id (events meanwhile kept)."""
        mid = await self.send(doc)
        while True:
            m = await self.recv(timeout)
            if m is None:
                return None
            if m.get("id") == mid and m.get("type") in ("result", "pong"):
                return m
            self.events.append(m)

    async def event(self, timeout=3):
        if self.events:
            return self.events.pop(0)
        try:
            return await self.recv(timeout)
        except asyncio.TimeoutError:
            return None


async def checks(base):
    h = {"Authorization": "Bearer " + TOKEN}
    async with aiohttp.ClientSession() as s:
        async def get(path, headers=h):
            async with s.get(base + path, headers=headers) as r:
                body = await r.read()
                ctype = r.headers.get("Content-Type", "")
                return r.status, (json.loads(body) if "json" in ctype else body)

        async def post(path, doc, headers=h):
            async with s.post(base + path, headers=headers, json=doc) as r:
                body = await r.read()
                ctype = r.headers.get("Content-Type", "")
                return r.status, (json.loads(body) if "json" in ctype else body)

        # REST: authentication
        st, body = await get("/api/", headers={})
        ok(st == 401 and body == b"401: Unauthorized", "REST without a token: 401")
        st, _ = await get("/api/states", headers={"Authorization": "Bearer nope"})
        ok(st == 401, "REST with a wrong token: 401")
        st, body = await get("/api/")
        ok(st == 200 and body == {"message": "API running."}, "GET /api/")
        reqs = (await get("/_test/requests?prefix=/api/"))[1]
        ok([r["auth"] for r in reqs] == ["missing", "wrong", "ok"],
           "requests are recorded with how they authenticated", reqs)

        # REST: reading
        st, cfg = await get("/api/config")
        ok(st == 200 and cfg["location_name"] == "Home" and "version" in cfg, "GET /api/config")
        st, states = await get("/api/states")
        ok(st == 200 and len(states) > 150 and all(
            {"entity_id", "state", "attributes", "last_changed", "last_updated", "context"}
            <= set(x) for x in states), "GET /api/states: %d state objects" % len(states))
        st, one = await get("/api/states/climate.living_room")
        ok(st == 200 and one["attributes"]["preset_modes"], "GET /api/states/<id>")
        st, body = await get("/api/states/light.nowhere")
        ok(st == 404 and body == {"message": "Entity not found."}, "unknown entity: 404")
        st, svcs = await get("/api/services")
        ok(st == 200 and any(d["domain"] == "light" and "turn_on" in d["services"]
                             for d in svcs), "GET /api/services")
        st, log = await get("/api/error_log")
        ok(st == 200 and b"ERROR" in log, "GET /api/error_log is text")
        st, jpeg = await get("/api/camera_proxy/camera.garden_camera")
        ok(st == 200 and jpeg[:2] == b"\xff\xd8", "GET /api/camera_proxy/<camera>: a JPEG")
        st, body = await post("/api/config/core/check_config", None)
        ok(st == 200 and body["result"] == "valid", "POST /api/config/core/check_config")
        auto = next(x for x in states if x["entity_id"] == "automation.hallway_motion_light")
        st, body = await get("/api/config/automation/config/" + auto["attributes"]["id"])
        ok(st == 200 and body["triggers"], "GET /api/config/automation/config/<id>")
        st, _ = await get("/api/config/automation/config/nope")
        ok(st == 404, "unknown automation config: 404")
        st, body = await post("/api/template",
                              {"template": "is {{ states('light.kitchen_ceiling') }}/"
                                           "{{ is_state('switch.tv_plug', 'on') }}"})
        ok(st == 200 and body == b"is on/True", "POST /api/template (simple forms)", body)
        st, _ = await post("/api/template", {"template": "{{ states.light | count }}"})
        ok(st == 400, "POST /api/template: other forms are 400")

        # WebSocket: authentication
        bad = WS(s, base)
        first, second = await bad.connect("nope")
        ok(first["type"] == "auth_required" and "ha_version" in first, "WS: auth_required")
        ok(second["type"] == "auth_invalid", "WS: a wrong token gets auth_invalid")
        m = await bad.ws.receive(timeout=5)
        ok(m.type in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSED),
           "WS: ... and the connection closed")

        ws = WS(s, base)
        _, second = await ws.connect()
        ok(second["type"] == "auth_ok", "WS: auth_ok")

        # WebSocket: each command
        r = await ws.cmd({"type": "ping"})
        ok(r == {"id": r["id"], "type": "pong"}, "WS ping -> pong")
        r = await ws.cmd({"type": "supported_features", "features": {"coalesce_messages": 1}})
        ok(r["success"], "WS supported_features")
        r = await ws.cmd({"type": "get_states"})
        ok(r["success"] and len(r["result"]) == len(states), "WS get_states")
        r = await ws.cmd({"type": "get_config"})
        ok(r["success"] and r["result"]["time_zone"], "WS get_config")
        r = await ws.cmd({"type": "get_services"})
        ok(r["success"] and "set_preset_mode" in r["result"]["climate"], "WS get_services")
        r = await ws.cmd({"type": "config/area_registry/list"})
        areas = r["result"]
        ok(r["success"] and len(areas) == 8 and {"area_id", "name", "aliases", "floor_id"}
           <= set(areas[0]), "WS config/area_registry/list: %d areas" % len(areas))
        r = await ws.cmd({"type": "config/floor_registry/list"})
        ok(r["success"] and r["result"][0]["floor_id"], "WS config/floor_registry/list")
        r = await ws.cmd({"type": "config/label_registry/list"})
        ok(r["success"] and r["result"] == [], "WS config/label_registry/list")
        r = await ws.cmd({"type": "config/device_registry/list"})
        devs = r["result"]
        ok(r["success"] and len(devs) >= 40 and {
            "id", "name", "name_by_user", "area_id", "manufacturer", "model", "sw_version",
            "identifiers", "connections", "via_device_id"} <= set(devs[0]),
           "WS config/device_registry/list: %d devices" % len(devs))
        r = await ws.cmd({"type": "config/entity_registry/list"})
        ents = r["result"]
        ok(r["success"] and len(ents) >= 180 and {
            "entity_id", "unique_id", "platform", "device_id", "area_id", "name",
            "original_name", "disabled_by", "hidden_by", "entity_category"} <= set(ents[0])
           and "device_class" not in ents[0],
           "WS config/entity_registry/list: %d entries" % len(ents))
        ok(any(e["disabled_by"] for e in ents) and any(e["hidden_by"] for e in ents),
           "the registry has disabled and hidden entities")
        r = await ws.cmd({"type": "config/entity_registry/get",
                          "entity_id": "binary_sensor.hallway_motion"})
        ok(r["success"] and r["result"]["original_device_class"] == "motion",
           "WS config/entity_registry/get carries the device class")
        r = await ws.cmd({"type": "lovelace/dashboards/list"})
        ok(r["success"] and len(r["result"]) == 2, "WS lovelace/dashboards/list")
        r = await ws.cmd({"type": "lovelace/config"})
        ok(r["success"] and r["result"]["views"], "WS lovelace/config (default dashboard)")
        r = await ws.cmd({"type": "lovelace/config", "url_path": "dashboard-wall"})
        ok(r["success"] and r["result"]["title"] == "Wall tablet", "WS lovelace/config url_path")
        r = await ws.cmd({"type": "lovelace/config", "url_path": "nope"})
        ok(not r["success"] and r["error"]["code"] == "config_not_found",
           "WS lovelace/config unknown: config_not_found")
        r = await ws.cmd({"type": "automation/config",
                          "entity_id": "automation.hallway_motion_light"})
        ok(r["success"] and r["result"]["config"]["alias"], "WS automation/config")
        r = await ws.cmd({"type": "no/such/command"})
        ok(not r["success"] and r["error"]["code"] == "unknown_command", "WS unknown command")
        await ws.ws.send_json({"id": 1, "type": "ping"})
        r = await ws.recv()
        ok(not r["success"] and r["error"]["code"] == "id_reuse", "WS id that does not increase")

        # Events: a device changes a state
        r = await ws.cmd({"type": "subscribe_events", "event_type": "state_changed"})
        sub = r["id"]
        ok(r["success"] and r["result"] is None, "WS subscribe_events state_changed")
        st, _ = await post("/_test/state", {"entity_id": "binary_sensor.hallway_motion",
                                            "state": "on", "merge": True})
        ev = await ws.event()
        ok(st == 200 and ev and ev["id"] == sub and ev["type"] == "event"
           and ev["event"]["event_type"] == "state_changed"
           and ev["event"]["data"]["entity_id"] == "binary_sensor.hallway_motion"
           and ev["event"]["data"]["old_state"]["state"] == "off"
           and ev["event"]["data"]["new_state"]["state"] == "on"
           and ev["event"]["data"]["new_state"]["attributes"]["device_class"] == "motion"
           and ev["event"]["context"]["user_id"] is None,
           "POST /_test/state fires state_changed", ev)
        ws2 = WS(s, base)
        await ws2.connect()
        await ws2.cmd({"type": "subscribe_events"})
        st, _ = await post("/_test/state", {"entity_id": "sensor.kitchen_motion_illuminance",
                                            "state": "99", "merge": True})
        ev = await ws.event()
        ev2 = await ws2.event()
        ok(ev and ev2 and ev2["event"]["data"]["new_state"]["state"] == "99",
           "every subscriber gets the event (subscribe_events without event_type too)")
        ws_list = (await get("/_test/ws"))[1]
        ok(len(ws_list) == 2 and any(
            c["subscriptions"] == [{"id": sub, "event_type": "state_changed"}] for c in ws_list),
           "GET /_test/ws lists connections and subscriptions", ws_list)

        # Service calls over the WebSocket
        r = await ws.cmd({"type": "call_service", "domain": "light", "service": "turn_on",
                          "service_data": {"brightness_pct": 50, "color_temp_kelvin": 3000},
                          "target": {"entity_id": "light.living_room_ceiling"}})
        ok(r["success"] and r["result"]["context"]["id"], "WS call_service light.turn_on")
        ev = ws.events.pop(0) if ws.events else None
        new = ev and ev["event"]["data"]["new_state"]
        ok(new and new["state"] == "on" and new["attributes"]["brightness"] == 128
           and new["attributes"]["color_temp_kelvin"] == 3000
           and new["attributes"]["color_mode"] == "color_temp"
           and new["context"]["id"] == r["result"]["context"]["id"],
           "... its state_changed comes before the result, with the call's context", ev)
        r = await ws.cmd({"type": "call_service", "domain": "scene", "service": "turn_on",
                          "target": {"entity_id": "scene.bedroom_night"}})
        changed = {e["event"]["data"]["entity_id"] for e in ws.events}
        ws.events.clear()
        ok(r["success"] and {"light.bedroom_bedside_left", "climate.bedroom",
                             "scene.bedroom_night"} <= changed,
           "scene.turn_on applies the scene", changed)
        st, clim = await get("/api/states/climate.bedroom")
        ok(clim["attributes"]["temperature"] == 17.0, "... the scene's target temperature")
        r = await ws.cmd({"type": "call_service", "domain": "climate",
                          "service": "set_preset_mode", "service_data": {"preset_mode": "sauna"},
                          "target": {"entity_id": "climate.office"}})
        ok(not r["success"] and r["error"]["code"] == "service_validation_error",
           "climate.set_preset_mode with an unknown preset: service_validation_error")
        r = await ws.cmd({"type": "call_service", "domain": "climate",
                          "service": "set_preset_mode", "service_data": {"preset_mode": "eco"},
                          "target": {"area_id": "office"}})
        ws.events.clear()
        st, clim = await get("/api/states/climate.office")
        ok(r["success"] and clim["attributes"]["preset_mode"] == "eco",
           "climate.set_preset_mode by area")
        r = await ws.cmd({"type": "call_service", "domain": "light", "service": "warp"})
        ok(not r["success"] and r["error"]["code"] == "not_found", "unknown service: not_found")
        r = await ws.cmd({"type": "call_service", "domain": "homeassistant",
                          "service": "toggle",
                          "target": {"entity_id": ["switch.tv_plug", "input_boolean.vacation"]}})
        ws.events.clear()
        st, plug = await get("/api/states/switch.tv_plug")
        st, vac = await get("/api/states/input_boolean.vacation")
        ok(r["success"] and plug["state"] == "off" and vac["state"] == "on",
           "homeassistant.toggle per entity's domain")
        r = await ws.cmd({"type": "call_service", "domain": "light", "service": "turn_on",
                          "target": {"entity_id": "light.garden_path"}})
        st, path = await get("/api/states/light.garden_path")
        ok(r["success"] and path["state"] == "unavailable", "unavailable entities are skipped")

        # Service calls over REST
        st, body = await post("/api/services/switch/turn_on", {"entity_id": "switch.tv_plug"})
        ok(st == 200 and [x["entity_id"] for x in body] == ["switch.tv_plug"]
           and body[0]["state"] == "on", "REST service call answers the changed states")
        ev = await ws.event()
        ok(ev and ev["event"]["data"]["entity_id"] == "switch.tv_plug",
           "... and fires state_changed")
        st, body = await post("/api/services/input_button/press",
                              {"entity_id": "input_button.ring_bell"})
        ok(st == 200 and body[0]["state"][:2] == "20", "input_button.press: the time")
        await ws.event()
        st, body = await post("/api/services/input_number/set_value",
                              {"entity_id": "input_number.target_lux", "value": 5000})
        ok(st == 400, "input_number.set_value out of range: 400")
        st, body = await post("/api/services/nope/nothing", {})
        ok(st == 400, "REST unknown service: 400")
        st, body = await post("/api/services/weather/get_forecasts?return_response",
                              {"entity_id": "weather.home", "type": "daily"})
        ok(st == 200 and body["changed_states"] == []
           and body["service_response"]["weather.home"]["forecast"],
           "REST ?return_response: changed_states and service_response", body)
        st, _ = await post("/api/services/weather/get_forecasts",
                           {"entity_id": "weather.home", "type": "daily"})
        ok(st == 400, "a service that only answers, called without return_response: 400")
        st, body = await post("/api/services/tts/speak", {
            "entity_id": "tts.piper", "media_player_entity_id": "media_player.kitchen",
            "message": "hello"})
        ok(st == 200 and body == [], "tts.speak is recorded, changes nothing")
        st, calls = await get("/_test/calls")
        ok([c["via"] for c in calls].count("ws") >= 5 and calls[-1]["via"] == "rest"
           and calls[-1]["service_data"]["message"] == "hello"
           and calls[-1]["entity_ids"] == ["tts.piper"],
           "GET /_test/calls records REST and WS calls", calls[-1])
        st, calls = await get("/_test/calls?domain=climate&service=set_preset_mode")
        ok(len(calls) == 2 and [c["success"] for c in calls] == [False, True],
           "GET /_test/calls filters by domain and service")
        st, body = await post("/api/states/sensor.from_rest", {"state": "7"})
        ok(st == 201, "POST /api/states/<new>: 201")
        ev = await ws.event()
        ok(ev and ev["event"]["data"]["old_state"] is None, "... fires state_changed")
        ws2_events = 0
        while await ws2.event(0.2):
            ws2_events += 1
        ok(ws2_events > 5, "the catch-all subscriber saw call_service events as well")

        # unsubscribe
        r = await ws.cmd({"type": "unsubscribe_events", "subscription": sub})
        ok(r["success"], "WS unsubscribe_events")
        await post("/_test/state", {"entity_id": "binary_sensor.hallway_motion",
                                    "state": "off"})
        ev = await ws.event(0.5)
        ok(ev is None, "... no events after it")
        r = await ws.cmd({"type": "unsubscribe_events", "subscription": sub})
        ok(not r["success"] and r["error"]["code"] == "not_found", "unsubscribe twice: not_found")

        # Registry changes
        await ws.cmd({"type": "subscribe_events", "event_type": "area_registry_updated"})
        await ws.cmd({"type": "subscribe_events", "event_type": "entity_registry_updated"})
        st, _ = await post("/_test/registry", {"kind": "area", "action": "create", "item": {
            "area_id": "attic", "name": "Attic", "aliases": [], "floor_id": None, "icon": None,
            "labels": [], "picture": None}})
        ev = await ws.event()
        ok(st == 200 and ev and ev["event"]["event_type"] == "area_registry_updated"
           and ev["event"]["data"] == {"action": "create", "area_id": "attic"},
           "registry change: area created", ev)
        st, _ = await post("/_test/registry", {"kind": "entity", "action": "update", "item": {
            "entity_id": "switch.tv_plug", "area_id": "attic"}})
        ev = await ws.event()
        ok(ev and ev["event"]["data"]["changes"] == {"area_id": None},
           "registry change: entity updated with its changes", ev)
        r = await ws.cmd({"type": "config/area_registry/list"})
        ok(len(r["result"]) == 9, "... the lists show it")

        # Failures and delays
        await post("/_test/fail", {"prefix": "/api/states", "times": 1, "status": 500})
        st1, _ = await get("/api/states")
        st2, _ = await get("/api/states")
        ok(st1 == 500 and st2 == 200, "REST fail rule: once, then normal")
        await post("/_test/fail", {"ws_command": "config/entity_registry/list", "times": 1})
        r1 = await ws.cmd({"type": "config/entity_registry/list"})
        r2 = await ws.cmd({"type": "config/entity_registry/list"})
        ok(not r1["success"] and r1["error"]["code"] == "unknown_error" and r2["success"],
           "WS fail rule: an error result once, then normal")
        await post("/_test/delay", {"ws_command": "get_config", "ms": 600, "times": 1})
        t0 = time.monotonic()
        slow = await ws.send({"type": "get_config"})
        fast = await ws.send({"type": "ping"})
        a = await ws.recv()
        b = await ws.recv()
        ok(a["id"] == fast and b["id"] == slow and time.monotonic() - t0 >= 0.55,
           "WS delay: the slow answer comes later, others are not held up")
        await post("/_test/delay", {"prefix": "/api/config", "ms": 400, "times": 1})
        t0 = time.monotonic()
        st, _ = await get("/api/config")
        ok(st == 200 and time.monotonic() - t0 >= 0.35, "REST delay")
        await post("/_test/fail", {"ws_command": "get_states", "close": True})
        r = await ws.cmd({"type": "get_states"})
        ok(r is None and ws.ws.closed, "WS fail rule with close: the connection closes")

        # Drop, refuse, token
        ws = WS(s, base)
        await ws.connect()
        await ws.cmd({"type": "subscribe_events", "event_type": "state_changed"})
        st, body = await post("/_test/drop", {})
        m = await ws.ws.receive(timeout=5)
        m2 = await ws2.ws.receive(timeout=5)
        while m2.type == aiohttp.WSMsgType.TEXT:  # events it had not read yet
            m2 = await ws2.ws.receive(timeout=5)
        ok(body["dropped"] == 2 and m.type in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSED)
           and m2.type in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSED),
           "POST /_test/drop closes every WebSocket", (body, m, m2))
        await asyncio.sleep(0.2)
        ok((await get("/_test/ws"))[1] == [], "... none left")
        await post("/_test/refuse", {"times": 1})
        try:
            await s.ws_connect(ws.url)
            refused = False
        except aiohttp.WSServerHandshakeError as exc:
            refused = exc.status == 503
        ws = WS(s, base)
        _, second = await ws.connect()
        ok(refused and second["type"] == "auth_ok", "POST /_test/refuse: one upgrade refused")
        await post("/_test/fail", {"ws_command": "auth"})
        _, second = await WS(s, base).connect()
        ok(second["type"] == "auth_invalid", "WS fail rule on auth: auth_invalid")
        await post("/_test/token", {"token": "rotated"})
        st, _ = await get("/api/")
        _, second = await WS(s, base).connect()
        ok(st == 401 and second["type"] == "auth_invalid", "POST /_test/token: old one refused")
        await post("/_test/token", {"token": TOKEN})
        cmds = (await get("/_test/commands?type=auth"))[1]
        ok([c["ok"] for c in cmds] == [False, True, True, True, True, False, False],
           "GET /_test/commands records the auth outcomes", cmds)

        await post("/_test/config", {"state": "STARTING"})
        r = await ws.cmd({"type": "get_config"})
        ok(r["result"]["state"] == "STARTING", "POST /_test/config")

        # Reset
        st, _ = await post("/_test/reset", {})
        st, plug = await get("/api/states/switch.tv_plug")
        st, calls = await get("/_test/calls")
        r = await ws.cmd({"type": "config/area_registry/list"})
        r2 = await ws.cmd({"type": "get_config"})
        ok(plug["state"] == "on" and calls == [] and len(r["result"]) == 8
           and r2["result"]["state"] == "RUNNING",
           "POST /_test/reset: back to the house, nothing recorded, connections kept")
        st, hist = await get("/api/history/period?filter_entity_id=switch.tv_plug")
        ok(st == 200 and hist, "GET /api/history/period")
        await ws.ws.close()


async def restart_check():
    """Kill and start again with --state: states survive, calls do not."""
    with tempfile.TemporaryDirectory() as tmp:
        state = os.path.join(tmp, "ha-state.json")
        port = free_port()
        proc, base = start(port, state)
        h = {"Authorization": "Bearer " + TOKEN}
        try:
            async with aiohttp.ClientSession() as s:
                async with s.post(base + "/api/services/light/turn_on", headers=h,
                                  json={"entity_id": "light.hallway_ceiling",
                                        "brightness": 77}) as r:
                    ok(r.status == 200, "(restart) a service call")
                async with s.post(base + "/_test/state", json={
                        "entity_id": "sensor.office_motion_temperature", "state": "30.5",
                        "merge": True}):
                    pass
                ws = WS(s, base)
                await ws.connect()
                proc.kill()
                proc.wait()
                m = await ws.ws.receive(timeout=5)
                ok(m.type in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSED,
                              aiohttp.WSMsgType.ERROR), "(restart) the WebSocket ends with it")
                proc, base2 = start(port, state)
                ok(base2 == base, "(restart) same port again")
                async with s.get(base + "/api/states/light.hallway_ceiling", headers=h) as r:
                    doc = await r.json()
                async with s.get(base + "/api/states/sensor.office_motion_temperature",
                                 headers=h) as r:
                    doc2 = await r.json()
                async with s.get(base + "/_test/calls") as r:
                    calls = await r.json()
                ok(doc["state"] == "on" and doc["attributes"]["brightness"] == 77
                   and doc2["state"] == "30.5" and calls == [],
                   "(restart) states kept through --state, calls forgotten")
        finally:
            stop(proc)


def main():
    proc, base = start()
    try:
        asyncio.run(checks(base))
    finally:
        stop(proc)
    asyncio.run(restart_check())
    if FAILED:
        print("%d failed: %s" % (len(FAILED), ", ".join(FAILED)))
        return 1
    print("all passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
