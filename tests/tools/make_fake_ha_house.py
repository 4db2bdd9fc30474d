#!/usr/bin/env python3
"""Writes tests/tools/fake_ha_house.json, the house that tests/tools/fake_ha.py
serves: floors, areas, devices, the entity registry, states, services, the
configuration, scenes, automation configs, Lovelace dashboards and an error log,
all in the shapes Home Assistant answers with.

    python3 tests/tools/make_fake_ha_house.py [OUT]    (default: next to this file)

The output is deterministic (fixed ids and timestamps), so regenerating it
changes the file only where this script changed.  Edit this script, not the
JSON.  Standard library only.
"""
import hashlib
import json
import os
import sys

HA_VERSION = "2025.6.1"
T0 = "2026-01-01T08:00:00.000000+00:00"  # every fixture state's last_changed
T0_EPOCH = 1767254400.0
USER_ID = "5b1f4c2e9a8d4e7fa1c3b2d4e6f80912"
CONFIG_ENTRIES = {}


def hexid(*parts, n=32):
    """A stable hex id (the shape of HA's device and registry ids)."""
    return hashlib.sha1("/".join(parts).encode()).hexdigest()[:n]


def ulid(*parts):
    """A stable 26-character id in the shape of HA's context ids."""
    alphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
    h = int(hashlib.sha1("/".join(parts).encode()).hexdigest(), 16)
    out = ""
    for _ in range(26):
        out += alphabet[h % 32]
        h //= 32
    return "01J" + out[3:]


def entry_for(domain):
    if domain not in CONFIG_ENTRIES:
        CONFIG_ENTRIES[domain] = hexid("entry", domain).upper()[:26]
    return CONFIG_ENTRIES[domain]


FLOORS = [
    {"floor_id": "ground_floor", "name": "Ground floor", "level": 0, "icon": "mdi:home-floor-0",
     "aliases": ["downstairs"]},
    {"floor_id": "first_floor", "name": "First floor", "level": 1, "icon": "mdi:home-floor-1",
     "aliases": ["upstairs"]},
]

# area_id, name, floor_id, aliases, icon
AREAS = [
    ("living_room", "Living Room", "ground_floor", ["lounge"], "mdi:sofa"),
    ("kitchen", "Kitchen", "ground_floor", [], "mdi:silverware-fork-knife"),
    ("hallway", "Hallway", "ground_floor", ["entrance", "hall"], None),
    ("bedroom", "Bedroom", "first_floor", ["master bedroom"], "mdi:bed"),
    ("bathroom", "Bathroom", "first_floor", [], "mdi:shower"),
    ("office", "Office", "first_floor", ["study"], "mdi:desk"),
    ("kids_room", "Kids Room", "first_floor", [], None),
    ("garden", "Garden", None, ["yard"], "mdi:tree"),
]
AREA_NAME = {a[0]: a[1] for a in AREAS}

devices = []
entities = []   # registry entries
states = []
extended = {}   # entity_id -> device_class/original_device_class for registry get


def device(key, name, area_id, manufacturer, model, platform, sw="1.0.0", hw=None,
           via=None, mac=None, name_by_user=None, model_id=None, serial=None,
           entry_type=None, configuration_url=None, disabled_by=None):
    did = hexid("device", key)
    entry = entry_for(platform)
    d = {
        "area_id": area_id,
        "configuration_url": configuration_url,
        "config_entries": [entry],
        "config_entries_subentries": {entry: [None]},
        "connections": [["mac", mac]] if mac else [],
        "created_at": T0_EPOCH,
        "disabled_by": disabled_by,
        "entry_type": entry_type,
        "hw_version": hw,
        "id": did,
        "identifiers": [[platform, key]],
        "labels": [],
        "manufacturer": manufacturer,
        "model": model,
        "model_id": model_id,
        "modified_at": T0_EPOCH,
        "name_by_user": name_by_user,
        "name": name,
        "primary_config_entry": entry,
        "serial_number": serial,
        "sw_version": sw,
        "via_device_id": via,
    }
    devices.append(d)
    return d


def state_obj(entity_id, state, attributes):
    return {
        "entity_id": entity_id,
        "state": state,
        "attributes": attributes,
        "last_changed": T0,
        "last_reported": T0,
        "last_updated": T0,
        "context": {"id": ulid("ctx", entity_id), "parent_id": None, "user_id": None},
    }


def entity(entity_id, state, attrs, dev=None, platform=None, original_name=None,
           name=None, area_id=None, device_class=None, entity_category=None,
           disabled_by=None, hidden_by=None, icon=None, registered=True,
           translation_key=None, unique_id=None, aliases=None):
    """A registry entry (unless registered is False) and, unless disabled, a state.
    friendly_name follows HA: the entity's own name, else device name + name."""
    platform = platform or (dev["identifiers"][0][0] if dev else entity_id.split(".")[0])
    dev_name = (dev["name_by_user"] or dev["name"]) if dev else None
    if name:
        friendly = name
    elif dev and original_name:
        friendly = "%s %s" % (dev_name, original_name)
    elif dev:
        friendly = dev_name
    else:
        friendly = original_name or entity_id.split(".")[1].replace("_", " ").capitalize()
    if registered:
        e = {
            "area_id": area_id,
            "categories": {},
            "config_entry_id": entry_for(platform),
            "config_subentry_id": None,
            "created_at": T0_EPOCH,
            "device_id": dev["id"] if dev else None,
            "disabled_by": disabled_by,
            "entity_category": entity_category,
            "entity_id": entity_id,
            "has_entity_name": dev is not None,
            "hidden_by": hidden_by,
            "icon": icon,
            "id": hexid("entity", entity_id),
            "labels": [],
            "modified_at": T0_EPOCH,
            "name": name,
            "options": {"conversation": {"should_expose": True}},
            "original_name": original_name if dev else friendly,
            "platform": platform,
            "translation_key": translation_key,
            "unique_id": unique_id or hexid("unique", entity_id, n=16),
        }
        entities.append(e)
        extended[entity_id] = {
            "aliases": aliases or [],
            "capabilities": None,
            "device_class": None,
            "original_device_class": device_class,
            "original_icon": None,
        }
    if disabled_by:
        return
    a = dict(attrs)
    if device_class and "device_class" not in a:
        a["device_class"] = device_class
    if icon:
        a["icon"] = icon
    a["friendly_name"] = friendly
    states.append(state_obj(entity_id, state, a))


def sensor(entity_id, value, dev, original_name, device_class, unit, state_class="measurement",
           **kw):
    attrs = {"state_class": state_class, "unit_of_measurement": unit}
    if state_class is None:
        del attrs["state_class"]
    entity(entity_id, value, attrs, dev, original_name=original_name,
           device_class=device_class, **kw)


def binary(entity_id, value, dev, original_name, device_class, **kw):
    entity(entity_id, value, {}, dev, original_name=original_name, device_class=device_class,
           **kw)


LIGHT_OFF = {"color_mode": None, "brightness": None, "color_temp_kelvin": None,
             "color_temp": None, "hs_color": None, "rgb_color": None, "xy_color": None}


def light(entity_id, dev, on, kind, brightness=180, kelvin=2700, **kw):
    """kind: color (color_temp + xy), ct (color_temp only), dim (brightness), onoff."""
    modes = {"color": ["color_temp", "xy"], "ct": ["color_temp"], "dim": ["brightness"],
             "onoff": ["onoff"]}[kind]
    attrs = {}
    if "color_temp" in modes:
        attrs.update({"min_color_temp_kelvin": 2202, "max_color_temp_kelvin": 6535,
                      "min_mireds": 153, "max_mireds": 454})
    if kind == "color":
        attrs["effect_list"] = ["None", "candle", "fire", "sparkle"]
    attrs["supported_color_modes"] = modes
    if on:
        if kind in ("color", "ct"):
            attrs.update({"color_mode": "color_temp", "brightness": brightness,
                          "color_temp_kelvin": kelvin, "color_temp": round(1000000 / kelvin),
                          "hs_color": [28.874, 72.522], "rgb_color": [255, 167, 70],
                          "xy_color": [0.524, 0.387]})
        elif kind == "dim":
            attrs.update({"color_mode": "brightness", "brightness": brightness})
        else:
            attrs["color_mode"] = "onoff"
    else:
        attrs.update({k: None for k in LIGHT_OFF
                      if k in ("color_mode", "brightness") or kind in ("color", "ct")})
    if kind == "color":
        attrs["effect"] = "None" if on else None
    attrs["supported_features"] = {"color": 44, "ct": 40, "dim": 32, "onoff": 0}[kind]
    entity(entity_id, "on" if on else "off", attrs, dev, **kw)


def build():
    hue = device("hue-bridge-001788fffe4a1b2c", "Hue Bridge", "hallway", "Signify Netherlands B.V.",
                 "Hue Bridge", "hue", sw="1.68.1968096020", model_id="BSB002",
                 mac="00:17:88:4a:1b:2c", configuration_url="http://192.168.1.20")
    zigbee = device("zha-coordinator", "SONOFF Zigbee 3.0 USB Dongle Plus", "office", "ITead",
                    "Sonoff Zigbee 3.0 USB Dongle Plus", "zha", sw="7.4.4.0")

    lux = {"living_room": "412", "kitchen": "230", "hallway": "35", "bedroom": "18",
           "bathroom": "60", "office": "510", "kids_room": "95", "garden": "8200"}
    temp = {"living_room": "21.4", "kitchen": "22.1", "hallway": "19.8", "bedroom": "18.6",
            "bathroom": "23.0", "office": "21.9", "kids_room": "20.2", "garden": "6.3"}
    for i, (aid, aname, *_rest) in enumerate(AREAS):
        ieee = "00:15:8d:00:0%d:a1:b2:%02x" % (i, i)
        m = device("motion-" + aid, aname + " Motion Sensor", aid, "Aqara",
                   "Motion sensor P1 (RTCGQ14LM)", "zha", sw="0x00000036", via=zigbee["id"],
                   model_id="lumi.motion.ac02", mac=None)
        m["connections"] = [["zigbee", ieee]]
        binary("binary_sensor.%s_motion" % aid, "on" if aid == "kitchen" else "off", m,
               "Motion", "motion")
        sensor("sensor.%s_motion_illuminance" % aid, lux[aid], m, "Illuminance",
               "illuminance", "lx")
        sensor("sensor.%s_motion_temperature" % aid, temp[aid], m, "Temperature",
               "temperature", "°C")
        sensor("sensor.%s_motion_battery" % aid, str(100 - 7 * i), m, "Battery", "battery", "%",
               entity_category="diagnostic")
        sensor("sensor.%s_motion_rssi" % aid, "-61", m, "RSSI", "signal_strength", "dBm",
               entity_category="diagnostic", disabled_by="integration")

        c = device("ceiling-" + aid, aname + " Ceiling", aid, "Signify Netherlands B.V.",
                   "Hue White and Color Ambiance", "hue", sw="1.116.3", via=hue["id"],
                   model_id="LCA001")
        kind = "color" if aid in ("living_room", "kitchen", "kids_room", "bedroom") else "ct"
        if aid == "garden":
            kind = "dim"
        light("light.%s_ceiling" % aid, c, aid in ("kitchen", "office"), kind,
              brightness=200 if aid == "kitchen" else 140)
        entity("button.%s_ceiling_identify" % aid, "unknown", {}, c, original_name="Identify",
               device_class="identify", entity_category="config")
    # The garden temperature reads unavailable: the sensor's battery is flat.
    for s in states:
        if s["entity_id"] == "sensor.garden_motion_temperature":
            s["state"] = "unavailable"
            s["attributes"] = {"restored": True, **s["attributes"]}

    # More lights of their own.
    extra_lights = [
        ("living_room", "living_room_floor_lamp", "Floor Lamp", "color", True),
        ("bedroom", "bedroom_bedside_left", "Bedside Left", "ct", False),
        ("bedroom", "bedroom_bedside_right", "Bedside Right", "ct", False),
        ("office", "office_desk", "Desk Lamp", "dim", True),
        ("kids_room", "kids_room_nightlight", "Nightlight", "color", False),
        ("garden", "garden_path", "Path Lights", "onoff", False),
        ("hallway", "hallway_stairs", "Stairs", "dim", False),
    ]
    for aid, key, name, kind, on in extra_lights:
        d = device("light-" + key, "%s %s" % (AREA_NAME[aid], name), aid,
                   "Signify Netherlands B.V.", "Hue Go" if kind == "color" else "Hue White",
                   "hue", sw="1.108.7", via=hue["id"],
                   name_by_user="Reading Lamp" if key == "living_room_floor_lamp" else None)
        light("light." + key, d, on, kind, brightness=120)
    for s in states:
        if s["entity_id"] == "light.garden_path":
            s["state"] = "unavailable"
            s["attributes"] = {"friendly_name": s["attributes"]["friendly_name"],
                               "supported_color_modes": ["onoff"], "supported_features": 0}

    # Presence (mmWave) sensors.
    for aid, state in (("living_room", "on"), ("office", "on"), ("bedroom", "off"),
                       ("kids_room", "off"), ("bathroom", "off")):
        d = device("fp2-" + aid, AREA_NAME[aid] + " Presence", aid, "Aqara",
                   "Presence Sensor FP2", "homekit_controller", sw="1.2.7_0005.0070",
                   mac="54:ef:44:%02x:11:22" % len(aid), serial="%s%04d" % ("54EF44", len(aid)))
        binary("binary_sensor.%s_presence" % aid, state, d, "Occupancy", "occupancy")
        binary("binary_sensor.%s_presence_zone_1" % aid, state, d, "Presence Zone 1", "presence")
        sensor("sensor.%s_presence_light_level" % aid, lux.get(aid, "0"), d,
               "Light Sensor Light Level", "illuminance", "lx")
    for s in states:
        if s["entity_id"] == "binary_sensor.kids_room_presence":
            s["state"] = "unknown"

    # Thermostats.
    for aid, mode, target, cur in (("living_room", "heat", 21.0, 21.4),
                                   ("bedroom", "heat", 18.5, 18.6),
                                   ("bathroom", "auto", 22.5, 23.0),
                                   ("office", "heat", 21.0, 21.9),
                                   ("kids_room", "off", None, 20.2)):
        d = device("trv-" + aid, AREA_NAME[aid] + " Thermostat", aid, "tado°",
                   "Smart Radiator Thermostat V3+", "tado", sw="95.1", serial="VA%08d" % len(aid))
        entity("climate." + aid, mode, {
            "hvac_modes": ["off", "heat", "auto"], "min_temp": 5.0, "max_temp": 25.0,
            "target_temp_step": 0.5, "fan_modes": ["auto", "low", "medium", "high"],
            "preset_modes": ["none", "eco", "comfort", "away", "boost"],
            "current_temperature": cur, "temperature": target,
            "current_humidity": 48, "fan_mode": "auto",
            "hvac_action": "heating" if mode == "heat" and cur < (target or 0) else
            ("off" if mode == "off" else "idle"),
            "preset_mode": "comfort" if mode != "off" else "none",
            "supported_features": 1 + 8 + 16 + 128 + 256}, d)
        sensor("sensor.%s_thermostat_humidity" % aid, "48", d, "Humidity", "humidity", "%")
        sensor("sensor.%s_thermostat_temperature" % aid, str(cur), d, "Temperature",
               "temperature", "°C")
        sensor("sensor.%s_thermostat_heating" % aid, "35", d, "Heating", None, "%")
        binary("binary_sensor.%s_thermostat_window" % aid, "off", d, "Window", "window")

    # Smart plugs.
    for aid, key, on, watts in (("living_room", "tv", True, "84.2"),
                                ("kitchen", "coffee", False, "0.0"),
                                ("office", "desk", True, "126.5"),
                                ("bedroom", "fan", False, "0.0"),
                                ("garden", "fountain", True, "31.0"),
                                ("kids_room", "heater", False, "0.0")):
        d = device("plug-" + key, "%s Plug" % key.capitalize(), aid, "Shelly",
                   "Shelly Plus Plug S", "shelly", sw="1.4.4", mac="80:64:6f:%02x:00:01" % len(key),
                   configuration_url="http://192.168.1.%d" % (40 + len(key)))
        entity("switch.%s_plug" % key, "on" if on else "off", {}, d, device_class="outlet",
               # The desk plug is in the office but feeds the living room's lamp.
               area_id="living_room" if key == "desk" else None)
        sensor("sensor.%s_plug_power" % key, watts, d, "Power", "power", "W")
        sensor("sensor.%s_plug_energy" % key, "%.3f" % (len(key) * 3.217), d, "Energy",
               "energy", "kWh", state_class="total_increasing")
        entity("switch.%s_plug_child_lock" % key, "off", {}, d, original_name="Child lock",
               entity_category="config")

    # Doors and windows.
    for aid, key, dc, st in (("hallway", "front_door", "door", "off"),
                             ("garden", "garage_door", "garage_door", "off"),
                             ("kitchen", "back_door", "door", "on"),
                             ("living_room", "balcony_door", "door", "off"),
                             ("bedroom", "bedroom_window", "window", "off")):
        d = device("contact-" + key, key.replace("_", " ").title(), aid, "Aqara",
                   "Door and window sensor (MCCGQ11LM)", "zha", via=zigbee["id"],
                   sw="0x00000017")
        binary("binary_sensor.%s" % key, st, d, None, dc)
        sensor("sensor.%s_battery" % key, "87", d, "Battery", "battery", "%",
               entity_category="diagnostic")

    # Remotes: stateless buttons (event entities).
    for aid, key in (("living_room", "living_room_dimmer"), ("bedroom", "bedroom_dimmer"),
                     ("hallway", "hallway_switch")):
        d = device("remote-" + key, key.replace("_", " ").title(), aid,
                   "Signify Netherlands B.V.", "Hue dimmer switch", "hue", via=hue["id"],
                   sw="2.45.2_hF4400CA")
        for n in (1, 2):
            entity("event.%s_button_%d" % (key, n), "unknown",
                   {"event_types": ["initial_press", "repeat", "short_release", "long_press",
                                    "long_release"], "event_type": None}, d,
                   original_name="Button %d" % n, device_class="button")
        sensor("sensor.%s_battery" % key, "64", d, "Battery", "battery", "%",
               entity_category="diagnostic")

    # Media players.
    speaker_features = 1 + 4 + 8 + 16 + 32 + 512 + 1024 + 2048 + 4096 + 8192 + 16384 + 32768 \
        + 131072 + 262144 + 524288 + 1048576 + 2097152
    for aid, key, model, st in (("kitchen", "kitchen", "Era 100", "idle"),
                                ("living_room", "living_room_tv", "Arc", "playing"),
                                ("bedroom", "bedroom", "One SL", "unavailable")):
        d = device("sonos-" + key, "%s Speaker" % AREA_NAME[aid], aid, "Sonos", model, "sonos",
                   sw="80.1-55240", mac="48:a6:b8:%02x:aa:01" % len(key))
        attrs = {"volume_level": 0.25, "is_volume_muted": False,
                 "source_list": ["Line-in", "TV", "Radio Paradise"],
                 "group_members": ["media_player." + key], "shuffle": False, "repeat": "off",
                 "supported_features": speaker_features, "device_class": "speaker"}
        if st == "playing":
            attrs.update({"media_content_type": "music", "media_title": "Evening Radio",
                          "media_artist": "Radio Paradise", "source": "Radio Paradise"})
        if st == "unavailable":
            attrs = {"supported_features": speaker_features, "device_class": "speaker"}
        entity("media_player." + key, st, attrs, d)
        # kitchen is the one Hearth speaks on ([homeassistant] media_player).

    # Cameras.
    for aid, key in (("hallway", "front_door_camera"), ("garden", "garden_camera")):
        d = device("cam-" + key, key.replace("_", " ").title(), aid, "Reolink", "E1 Outdoor",
                   "reolink", sw="v3.1.0.2368", mac="ec:71:db:%02x:00:07" % len(key))
        token = hexid("camtoken", key, n=64)
        entity("camera." + key, "idle", {
            "access_token": token, "entity_picture":
            "/api/camera_proxy/camera.%s?token=%s" % (key, token), "brand": "Reolink",
            "model_name": "E1 Outdoor", "frontend_stream_type": "hls",
            "supported_features": 2}, d, original_name="Fluent")
        binary("binary_sensor.%s_motion" % key, "off", d, "Motion", "motion")
        binary("binary_sensor.%s_person" % key, "off", d, "Person", None,
               translation_key="person")

    # Helpers (no devices).
    for key, st, icon in (("guest_mode", "off", "mdi:account-multiple"),
                          ("vacation", "off", "mdi:airplane"),
                          ("night_mode", "off", "mdi:weather-night"),
                          ("alarm_armed", "on", "mdi:shield-home")):
        entity("input_boolean." + key, st, {"editable": True}, icon=icon,
               original_name=key.replace("_", " ").capitalize(), platform="input_boolean",
               unique_id=key)
    entity("input_button.ring_bell", "unknown", {"editable": True}, icon="mdi:bell",
           original_name="Ring bell", platform="input_button", unique_id="ring_bell")
    for key, val, mn, mx, step, unit in (("target_lux", "250.0", 0, 1000, 10, "lx"),
                                         ("night_brightness", "15.0", 1, 100, 1, "%"),
                                         ("heating_offset", "0.0", -3, 3, 0.5, "°C")):
        entity("input_number." + key, val, {"initial": None, "editable": True, "min": mn,
                                            "max": mx, "step": step, "mode": "slider",
                                            "unit_of_measurement": unit},
               original_name=key.replace("_", " ").capitalize(), platform="input_number",
               unique_id=key)

    # Scenes: what each one sets (fake_ha applies this on scene.turn_on).
    scenes = {
        "living_room_movie": {"light.living_room_ceiling": {"state": "off"},
                              "light.living_room_floor_lamp": {"state": "on", "brightness": 40,
                                                               "color_temp_kelvin": 2202},
                              "switch.tv_plug": {"state": "on"}},
        "living_room_bright": {"light.living_room_ceiling": {"state": "on", "brightness": 255,
                                                             "color_temp_kelvin": 4000},
                               "light.living_room_floor_lamp": {"state": "on",
                                                                "brightness": 255}},
        "kitchen_cooking": {"light.kitchen_ceiling": {"state": "on", "brightness": 255,
                                                      "color_temp_kelvin": 5000},
                            "switch.coffee_plug": {"state": "on"}},
        "bedroom_night": {"light.bedroom_ceiling": {"state": "off"},
                          "light.bedroom_bedside_left": {"state": "on", "brightness": 20},
                          "light.bedroom_bedside_right": {"state": "off"},
                          "climate.bedroom": {"state": "heat", "temperature": 17.0}},
        "good_morning": {"light.kitchen_ceiling": {"state": "on", "brightness": 180},
                         "light.hallway_ceiling": {"state": "on", "brightness": 120},
                         "input_boolean.night_mode": {"state": "off"}},
        "all_off": {e: {"state": "off"} for e in
                    ["light.%s_ceiling" % a[0] for a in AREAS if a[0] != "garden"]
                    + ["light.living_room_floor_lamp", "light.office_desk",
                       "switch.tv_plug", "switch.desk_plug"]},
    }
    scene_attrs = {}
    for n, (key, members) in enumerate(scenes.items()):
        sid = str(1767000000000 + n)
        entity("scene." + key, "unknown" if key != "good_morning" else
               "2026-01-01T06:30:00.102938+00:00",
               {"id": sid, "entity_id": sorted(members)},
               original_name=key.replace("_", " ").capitalize(), platform="homeassistant",
               unique_id=sid, icon="mdi:palette")
        scene_attrs[key] = sid

    # Scripts.
    for key, name in (("goodnight", "Goodnight"), ("leave_home", "Leave home"),
                      ("arrive_home", "Arrive home"), ("announce", "Announce")):
        entity("script." + key, "off", {"last_triggered": None, "mode": "single", "current": 0},
               original_name=name, platform="script", unique_id=key, icon="mdi:script-text")

    # Automations and their configs (GET /api/config/automation/config/<id>).
    automations = {}
    autos = [
        ("hallway_motion_light", "Hallway: light on motion", "binary_sensor.hallway_motion",
         "light.hallway_ceiling", "on"),
        ("kitchen_motion_light", "Kitchen: light on motion", "binary_sensor.kitchen_motion",
         "light.kitchen_ceiling", "on"),
        ("bathroom_motion_light", "Bathroom: light on motion", "binary_sensor.bathroom_motion",
         "light.bathroom_ceiling", "on"),
        ("night_mode_on", "Night mode at 23:00", None, "input_boolean.night_mode", "on"),
        ("vacation_lights", "Vacation lights", None, "light.living_room_floor_lamp", "on"),
        ("climate_away", "Heating away when nobody is home", "zone.home",
         "climate.living_room", "on"),
        ("garage_door_alert", "Garage door left open", "binary_sensor.garage_door",
         "notify.notify", "off"),
        ("morning_routine", "Morning routine", None, "scene.good_morning", "on"),
    ]
    for n, (key, alias, trig, target, st) in enumerate(autos):
        aid = str(1767100000000 + n)
        if trig and trig.startswith("binary_sensor"):
            trigger = [{"trigger": "state", "entity_id": [trig], "to": "on"}]
        elif trig == "zone.home":
            trigger = [{"trigger": "numeric_state", "entity_id": "zone.home", "below": 1}]
        else:
            trigger = [{"trigger": "time", "at": "23:00:00" if n == 3 else "07:00:00"}]
        domain = target.split(".")[0]
        if domain == "notify":
            action = [{"action": "notify.notify", "data": {"message": "The garage door is open"}}]
        elif domain == "scene":
            action = [{"action": "scene.turn_on", "target": {"entity_id": target}}]
        elif domain == "climate":
            action = [{"action": "climate.set_preset_mode", "target": {"entity_id": target},
                       "data": {"preset_mode": "away"}}]
        else:
            action = [{"action": "%s.turn_on" % domain, "target": {"entity_id": target}}]
        automations[aid] = {"id": aid, "alias": alias, "description": "", "mode": "single",
                            "triggers": trigger, "conditions": [], "actions": action}
        entity("automation." + key, st, {"id": aid, "last_triggered":
                                         "2026-01-01T07:00:00.004213+00:00" if n == 7 else None,
                                         "mode": "single", "current": 0},
               original_name=alias, platform="automation", unique_id=aid)

    # People, places, weather, the sun.
    entity("sun.sun", "above_horizon", {
        "next_dawn": "2026-01-02T07:47:10.000000+00:00",
        "next_dusk": "2026-01-01T16:55:31.000000+00:00",
        "next_midnight": "2026-01-01T23:17:40+00:00", "next_noon": "2026-01-01T11:17:49+00:00",
        "next_rising": "2026-01-02T08:25:01.000000+00:00",
        "next_setting": "2026-01-01T16:17:38.000000+00:00", "elevation": 3.2,
        "azimuth": 131.4, "rising": True}, original_name="Sun", platform="sun",
        unique_id="sun")
    entity("weather.home", "cloudy", {
        "temperature": 6.3, "apparent_temperature": 3.9, "dew_point": 2.1,
        "temperature_unit": "°C", "humidity": 81, "cloud_coverage": 90, "pressure": 1012.4,
        "pressure_unit": "hPa", "wind_bearing": 225, "wind_speed": 14.8,
        "wind_speed_unit": "km/h", "visibility_unit": "km", "precipitation_unit": "mm",
        "attribution": "Weather forecast from met.no", "supported_features": 3},
        original_name="Forecast Home", platform="met", unique_id="home")
    for key, name, st in (("alice", "Alice", "home"), ("bob", "Bob", "not_home")):
        entity("device_tracker.%s_phone" % key, st, {
            "source_type": "gps", "battery_level": 71,
            "latitude": 52.3731 if st == "home" else 52.3602,
            "longitude": 4.8922 if st == "home" else 4.8852, "gps_accuracy": 12,
            "altitude": 4.0}, original_name="%s's phone" % name, platform="mobile_app",
            unique_id=key + "_phone")
        entity("person." + key, st, {
            "editable": True, "id": key, "device_trackers": ["device_tracker.%s_phone" % key],
            "user_id": hexid("user", key), "latitude": 52.3731, "longitude": 4.8922,
            "gps_accuracy": 12, "source": "device_tracker.%s_phone" % key},
            original_name=name, platform="person", unique_id=key)
    entity("zone.home", "1", {"latitude": 52.3731, "longitude": 4.8922, "radius": 100,
                              "passive": False, "persons": ["person.alice"], "editable": True,
                              "icon": "mdi:home"}, original_name="Home", registered=False)
    outdoor = device("weather-station", "Outdoor Station", "garden", "Netatmo",
                     "Smart Outdoor Module", "netatmo", sw="50")
    sensor("sensor.outdoor_temperature", "6.1", outdoor, "Temperature", "temperature", "°C")
    sensor("sensor.outdoor_humidity", "83", outdoor, "Humidity", "humidity", "%")
    sensor("sensor.outdoor_battery", "unavailable", outdoor, "Battery", "battery", "%",
           entity_category="diagnostic")
    # A YAML template sensor without a unique_id: a state, no registry entry.
    entity("sensor.house_average_temperature", "21.1", {
        "unit_of_measurement": "°C", "device_class": "temperature",
        "state_class": "measurement"}, original_name="House average temperature",
        registered=False)
    entity("binary_sensor.anyone_home", "on", {"device_class": "occupancy"},
           original_name="Anyone home", registered=False)
    # TTS and notify.
    entity("tts.piper", "unknown", {}, original_name="Piper", platform="wyoming",
           unique_id="piper-tts")
    # A user-renamed, user-hidden, aliased entity.
    for e in entities:
        if e["entity_id"] == "sensor.living_room_motion_illuminance":
            e["name"] = "Lounge brightness"
            extended[e["entity_id"]]["aliases"] = ["lounge light level"]
        if e["entity_id"] == "switch.fountain_plug":
            e["hidden_by"] = "user"
    for s in states:
        if s["entity_id"] == "sensor.living_room_motion_illuminance":
            s["attributes"]["friendly_name"] = "Lounge brightness"

    return automations, scenes, scene_attrs


def services():
    ent = lambda *domains: {"entity": [{"domain": list(domains)}]}  # noqa: E731

    def svc(name, description, fields=None, target=None, response=None):
        d = {"name": name, "description": description, "fields": fields or {}}
        if target:
            d["target"] = target
        if response:
            d["response"] = {"optional": response == "optional"}
        return d

    def f(name, example=None, required=False, selector=None):
        d = {"name": name, "required": required, "selector": selector or {"text": {}}}
        if example is not None:
            d["example"] = example
        return d

    onoff = lambda dom: {  # noqa: E731
        "turn_on": svc("Turn on", "Turns on %s." % dom, target=ent(dom)),
        "turn_off": svc("Turn off", "Turns off %s." % dom, target=ent(dom)),
        "toggle": svc("Toggle", "Toggles %s." % dom, target=ent(dom)),
    }
    light = onoff("light")
    light["turn_on"]["fields"] = {
        "transition": f("Transition", 10, selector={"number": {"min": 0, "max": 300}}),
        "brightness": f("Brightness value", 120, selector={"number": {"min": 0, "max": 255}}),
        "brightness_pct": f("Brightness", 47, selector={"number": {"min": 0, "max": 100}}),
        "brightness_step_pct": f("Brightness step", -10,
                                 selector={"number": {"min": -100, "max": 100}}),
        "color_temp_kelvin": f("Color temperature", 4000,
                               selector={"color_temp": {"unit": "kelvin"}}),
        "rgb_color": f("Color", [255, 100, 100], selector={"color_rgb": {}}),
        "hs_color": f("Hue/Sat color", [300, 70], selector={"object": {}}),
        "effect": f("Effect", "candle"),
    }
    return {
        "homeassistant": {
            "turn_on": svc("Generic turn on", "Generic action to turn devices on.",
                           target={"entity": [{}]}),
            "turn_off": svc("Generic turn off", "Generic action to turn devices off.",
                            target={"entity": [{}]}),
            "toggle": svc("Generic toggle", "Generic action to toggle devices.",
                          target={"entity": [{}]}),
            "update_entity": svc("Update entity", "Forces one or more entities to update.",
                                 target={"entity": [{}]}),
            "check_config": svc("Check configuration", "Checks the configuration files."),
            "reload_all": svc("Reload all", "Reloads all YAML configuration."),
            "restart": svc("Restart", "Restarts Home Assistant."),
        },
        "persistent_notification": {
            "create": svc("Create", "Shows a notification on the notifications panel.",
                          {"message": f("Message", "Please check your configuration.yaml.",
                                        True), "title": f("Title", "Test notification"),
                           "notification_id": f("Notification ID", "1234")}),
            "dismiss": svc("Dismiss", "Deletes a notification from the panel.",
                           {"notification_id": f("Notification ID", "1234", True)}),
        },
        "notify": {
            "notify": svc("Send a notification with notify", "Sends a notification message.",
                          {"message": f("Message", "The garage door has been open", True),
                           "title": f("Title"), "data": f("Data", selector={"object": {}})}),
            "mobile_app_alice_phone": svc("Send a notification via mobile_app_alice_phone",
                                          "Sends a notification message.",
                                          {"message": f("Message", None, True)}),
            "persistent_notification": svc("Send a persistent notification",
                                           "Sends a notification that is visible in the "
                                           "notifications panel.",
                                           {"message": f("Message", None, True)}),
        },
        "light": light,
        "switch": onoff("switch"),
        "input_boolean": {**onoff("input_boolean"),
                          "reload": svc("Reload", "Reloads helpers from the YAML-configuration.")},
        "input_button": {
            "press": svc("Press", "Mimics the physical button press on the device.",
                         target=ent("input_button")),
            "reload": svc("Reload", "Reloads helpers from the YAML-configuration."),
        },
        "input_number": {
            "set_value": svc("Set", "Sets the value.", {"value": f(
                "Value", None, True, {"number": {"min": -9223372036854775807,
                                                 "max": 9223372036854775807, "step": 0.001}})},
                target=ent("input_number")),
            "increment": svc("Increment", "Increments the value by 1 step.",
                             target=ent("input_number")),
            "decrement": svc("Decrement", "Decrements the current value by 1 step.",
                             target=ent("input_number")),
            "reload": svc("Reload", "Reloads helpers from the YAML-configuration."),
        },
        "climate": {
            "turn_on": svc("Turn on", "Turns climate device on.", target=ent("climate")),
            "turn_off": svc("Turn off", "Turns climate device off.", target=ent("climate")),
            "toggle": svc("Toggle", "Toggles climate device, from on to off, or off to on.",
                          target=ent("climate")),
            "set_temperature": svc("Set target temperature", "Sets the temperature setpoint.", {
                "temperature": f("Target temperature", 25, selector={"number": {}}),
                "target_temp_high": f("Upper target temperature", 26),
                "target_temp_low": f("Lower target temperature", 20),
                "hvac_mode": f("HVAC mode", "heat")}, target=ent("climate")),
            "set_hvac_mode": svc("Set HVAC mode", "Sets HVAC operation mode.",
                                 {"hvac_mode": f("HVAC mode", "heat")}, target=ent("climate")),
            "set_preset_mode": svc("Set preset mode", "Sets preset mode.",
                                   {"preset_mode": f("Preset mode", "away", True)},
                                   target=ent("climate")),
            "set_fan_mode": svc("Set fan mode", "Sets fan operation mode.",
                                {"fan_mode": f("Fan mode", "low", True)}, target=ent("climate")),
        },
        "button": {"press": svc("Press", "Press the button entity.", target=ent("button"))},
        "media_player": {
            **onoff("media_player"),
            "media_play": svc("Play", "Starts playing.", target=ent("media_player")),
            "media_pause": svc("Pause", "Pauses.", target=ent("media_player")),
            "media_stop": svc("Stop", "Stops playing.", target=ent("media_player")),
            "volume_set": svc("Set volume", "Sets the volume level.",
                              {"volume_level": f("Level", 0.6, True,
                                                 {"number": {"min": 0, "max": 1, "step": 0.01}})},
                              target=ent("media_player")),
            "volume_mute": svc("Mute/unmute volume", "Mutes or unmutes the media player.",
                               {"is_volume_muted": f("Muted", True, True, {"boolean": {}})},
                               target=ent("media_player")),
            "play_media": svc("Play media", "Starts playing specified media.", {
                "media_content_id": f("Content ID", "https://home-assistant.io/images/cast/"
                                      "splash.png", True),
                "media_content_type": f("Content type", "music", True),
                "enqueue": f("Enqueue"), "announce": f("Announce", True)},
                target=ent("media_player")),
        },
        "camera": {
            "snapshot": svc("Take snapshot", "Takes a snapshot from a camera.",
                            {"filename": f("Filename", "/tmp/snapshot_{{ entity_id.name }}.jpg",
                                           True)}, target=ent("camera")),
            "turn_on": svc("Turn on", "Turns on the camera.", target=ent("camera")),
            "turn_off": svc("Turn off", "Turns off the camera.", target=ent("camera")),
        },
        "tts": {
            "speak": svc("Speak", "Speaks something using text-to-speech on a media player.", {
                "media_player_entity_id": f("Media player entity", None, True,
                                            {"entity": {"domain": "media_player"}}),
                "message": f("Message", "My name is hanna", True),
                "cache": f("Cache", True, selector={"boolean": {}}),
                "language": f("Language", "ru"), "options": f("Options")},
                target=ent("tts")),
            "clear_cache": svc("Clear TTS cache", "Removes all cached text-to-speech files."),
        },
        "scene": {
            "turn_on": svc("Activate", "Activates a scene.", {
                "transition": f("Transition", 2.5)}, target=ent("scene")),
            "apply": svc("Apply", "Activates a scene with configuration.",
                         {"entities": f("Entities state", None, True, {"object": {}})}),
            "reload": svc("Reload", "Reloads the scenes from the YAML-configuration."),
        },
        "script": {
            "turn_on": svc("Turn on", "Runs the sequence of actions defined in a script.",
                           target=ent("script")),
            "turn_off": svc("Turn off", "Stops a running script.", target=ent("script")),
            "toggle": svc("Toggle", "Starts a script if it isn't running, stops it otherwise.",
                          target=ent("script")),
            "reload": svc("Reload", "Reloads all the available scripts."),
            "goodnight": svc("Goodnight", ""),
            "leave_home": svc("Leave home", ""),
            "arrive_home": svc("Arrive home", ""),
            "announce": svc("Announce", "", {"message": f("Message", "Dinner is ready")},
                            response="optional"),
        },
        "automation": {
            **onoff("automation"),
            "trigger": svc("Trigger", "Triggers the actions of an automation.",
                           {"skip_condition": f("Skip conditions", True,
                                                selector={"boolean": {}})},
                           target=ent("automation")),
            "reload": svc("Reload", "Reloads the automation configuration."),
        },
        "logbook": {"log": svc("Log", "Creates a custom entry in the logbook.", {
            "name": f("Name", "Kitchen", True), "message": f("Message", "is being used", True),
            "entity_id": f("Entity ID"), "domain": f("Domain", "light")})},
        "weather": {"get_forecasts": svc("Get forecasts", "Get weather forecasts.", {
            "type": f("Forecast type", None, True)}, target=ent("weather"), response="only")},
    }


def lovelace():
    overview = {"views": [
        {"title": "Home", "path": "home", "cards": [
            {"type": "area", "area": a[0]} for a in AREAS[:4]] + [
            {"type": "entities", "title": "Helpers", "entities": [
                "input_boolean.guest_mode", "input_boolean.vacation",
                "input_number.target_lux"]}]},
        {"title": "Climate", "path": "climate", "cards": [
            {"type": "thermostat", "entity": "climate." + a}
            for a in ("living_room", "bedroom", "bathroom", "office")]},
    ]}
    wall = {"title": "Wall tablet", "views": [
        {"title": "Downstairs", "path": "downstairs", "type": "sections", "sections": [
            {"type": "grid", "cards": [
                {"type": "heading", "heading": "Living Room"},
                {"type": "tile", "entity": "light.living_room_ceiling"},
                {"type": "tile", "entity": "light.living_room_floor_lamp"},
                {"type": "tile", "entity": "climate.living_room"},
                {"type": "button", "entity": "scene.living_room_movie"}]},
            {"type": "grid", "cards": [
                {"type": "heading", "heading": "Kitchen"},
                {"type": "tile", "entity": "light.kitchen_ceiling"},
                {"type": "tile", "entity": "switch.coffee_plug"},
                {"type": "media-control", "entity": "media_player.kitchen"}]}]},
    ]}
    cameras = {"title": "Cameras", "views": [
        {"title": "Cameras", "path": "cameras", "panel": False, "cards": [
            {"type": "picture-entity", "entity": "camera.front_door_camera"},
            {"type": "picture-entity", "entity": "camera.garden_camera"},
            {"type": "glance", "entities": ["binary_sensor.front_door_camera_person",
                                            "binary_sensor.garden_camera_person"]}]}]}
    dashboards = [
        {"id": "dashboard_wall", "icon": "mdi:tablet", "title": "Wall tablet",
         "url_path": "dashboard-wall", "mode": "storage", "require_admin": False,
         "show_in_sidebar": True},
        {"id": "dashboard_cameras", "icon": "mdi:cctv", "title": "Cameras",
         "url_path": "dashboard-cameras", "mode": "storage", "require_admin": True,
         "show_in_sidebar": False},
    ]
    return dashboards, {"": overview, "dashboard-wall": wall, "dashboard-cameras": cameras}


def config():
    return {
        "allowlist_external_dirs": ["/config/www", "/media"],
        "allowlist_external_urls": [],
        "components": sorted([
            "api", "input_button", "automation", "camera", "climate", "config",
            "default_config", "device_tracker",
            "event", "frontend", "homeassistant", "http", "hue", "input_boolean", "input_number",
            "light", "logbook", "lovelace", "media_player", "met", "mobile_app", "netatmo",
            "notify", "person", "persistent_notification", "recorder", "reolink", "scene",
            "script", "sensor", "binary_sensor", "shelly", "sonos", "sun", "switch", "tado",
            "tts", "weather", "websocket_api", "wyoming", "zha", "zone", "homekit_controller",
            "button", "sensor.zha", "light.hue", "switch.shelly"]),
        "config_dir": "/config",
        "config_source": "storage",
        "country": "NL",
        "currency": "EUR",
        "debug": False,
        "elevation": 2,
        "external_url": None,
        "internal_url": "http://homeassistant.local:8123",
        "language": "en",
        "latitude": 52.3731,
        "location_name": "Home",
        "longitude": 4.8922,
        "radius": 100,
        "recovery_mode": False,
        "safe_mode": False,
        "state": "RUNNING",
        "time_zone": "Europe/Amsterdam",
        "unit_system": {"length": "km", "accumulated_precipitation": "mm", "area": "m²",
                        "mass": "g", "pressure": "Pa", "temperature": "°C", "volume": "L",
                        "wind_speed": "m/s"},
        "version": HA_VERSION,
        "whitelist_external_dirs": ["/config/www", "/media"],
    }


ERROR_LOG = """\
2026-01-01 07:58:12.104 WARNING (MainThread) [homeassistant.util.loop] Detected blocking call to open with args ('/config/custom_components/old_thing/manifest.json',) inside the event loop by custom integration 'old_thing'
2026-01-01 07:59:40.551 ERROR (MainThread) [homeassistant.components.netatmo] Unable to fetch data from Netatmo: 503, message='Service Unavailable'
2026-01-01 08:00:01.003 WARNING (MainThread) [homeassistant.components.zha.core.cluster_handlers] [0x5e21:1:0x0402]: async_initialize: all attempts have failed: [DeliveryError('Failed to deliver message: <EmberStatus.DELIVERY_FAILED: 102>')]
"""


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(
        os.path.dirname(os.path.abspath(__file__)), "fake_ha_house.json")
    automations, scenes, _ = build()
    dashboards, lovelace_configs = lovelace()
    house = {
        "ha_version": HA_VERSION,
        "user_id": USER_ID,
        "config": config(),
        "floors": [dict(f, created_at=T0_EPOCH, modified_at=T0_EPOCH) for f in FLOORS],
        "areas": [{"aliases": al, "area_id": aid, "created_at": T0_EPOCH, "floor_id": fl,
                   "humidity_entity_id": None, "icon": icon, "labels": [],
                   "modified_at": T0_EPOCH, "name": name, "picture": None,
                   "temperature_entity_id": ("sensor.%s_motion_temperature" % aid)
                   if aid == "kitchen" else None}
                  for aid, name, fl, al, icon in AREAS],
        "labels": [],
        "devices": devices,
        "entities": entities,
        "entities_extended": extended,
        "states": states,
        "services": services(),
        "scenes": scenes,
        "automations": automations,
        "dashboards": dashboards,
        "lovelace": lovelace_configs,
        "error_log": ERROR_LOG,
    }
    with open(out, "w", encoding="utf-8") as fh:
        json.dump(house, fh, indent=1, ensure_ascii=False, sort_keys=False)
        fh.write("\n")
    print("%s: %d areas, %d devices, %d registry entries, %d states" % (
        out, len(house["areas"]), len(devices), len(entities), len(states)))


if __name__ == "__main__":
    main()
