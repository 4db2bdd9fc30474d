#!/usr/bin/python3
"""Whole tasks done through the dashboard in headless Chromium, each one
checked through the API afterwards.

As an admin person, with clicks and typing only:
  1. /rooms: add a room, then a PIR sensor in it with its type's settings
     (GPIO pin, hold time, a calibration value); both are listed and exist
     in the API with what was typed.
  2. /rules/new: a rule with a manual trigger; on its page a condition, an
     interactive prompt and a warning notification are added from the
     palette; "Run now" makes the prompt pop up full-screen, live; it is
     answered on Home with its button, the alert then appears on Home
     without a reload and is dismissed there; the run completes with the
     answer (API).
  3. /events/:id: a security event (made through POST /api/v1/detections
     with a JPEG) is marked reviewed with a note.
  4. /cameras/:id: a zone drawn by clicking four corners on the camera's
     picture, and one typed as corners; both exist in the API with their
     points.
  5. /cameras/:id: a recording (an ffmpeg clip uploaded through the API) is
     played in the page: the <video> loads its metadata, its currentTime
     advances, and nginx answered the video with 206 (Range).

Pop-up notifications left pending by earlier runs (reminders of open
alerts) cover the page as full-screen cards: like a person, the test
clicks their "OK" when one is in the way.  Prints "ok - ..." / "not ok -
..." lines; everything made is deleted at the end (best effort; the
wrapper removes the rows the API cannot delete).
"""
import argparse
import base64
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import dashboard as dash  # noqa: E402
from dashboard import Api, browser, wait, page_ready, sign_in, check, ok, not_ok  # noqa: E402

from selenium.common.exceptions import (ElementClickInterceptedException,  # noqa: E402
                                        ElementNotInteractableException,
                                        StaleElementReferenceException)
from selenium.webdriver.common.action_chains import ActionChains  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.support.ui import Select  # noqa: E402

RESPONSES = []   # (status, url, mime) of every response seen in the network log
POPUPS = [0]     # notification pop-ups closed on the way


# ------------------------------------------------------------ the browser

def drain(drv, base):
    """Console errors and failed requests since the last call (as
    dashboard.problems), keeping every response for later checks."""
    out = []
    for e in drv.get_log("browser"):
        if e["level"] == "SEVERE":
            out.append(f"console: {e['message'][:300]}")
    for e in drv.get_log("performance"):
        m = json.loads(e["message"])["message"]
        p = m.get("params", {})
        if m["method"] == "Network.responseReceived":
            r = p.get("response", {})
            RESPONSES.append((r.get("status", 0), r.get("url", ""), r.get("mimeType", "")))
            if r.get("status", 0) >= 400 and r.get("url", "").startswith(base):
                out.append(f"request: {r['status']} {r['url']}")
        elif m["method"] == "Network.loadingFailed":
            if p.get("errorText") != "net::ERR_ABORTED" and not p.get("canceled"):
                out.append(f"request failed: {p.get('errorText')}")
    return out


def close_popups(drv):
    """Click "OK" on the pop-up notifications on screen, topmost first.
    Interactive prompts (two answers) are left alone."""
    closed = 0
    for card in reversed(drv.find_elements(By.CSS_SELECTOR, "#prompt-layer .prompt-overlay")):
        try:
            buttons = card.find_elements(By.TAG_NAME, "button")
            if len(buttons) == 1 and buttons[0].text.strip() == "OK":
                buttons[0].click()
                closed += 1
        except Exception:  # gone meanwhile, or covered by a newer one
            pass
    POPUPS[0] += closed
    return closed


def click(drv, el, timeout=10):
    """Click as a person would: scrolled into view; a toast or a pop-up
    notification in the way is waited out or closed first."""
    end = time.time() + timeout
    while True:
        try:
            drv.execute_script("arguments[0].scrollIntoView({block: 'center'});", el)
            el.click()
            return True
        except (ElementClickInterceptedException, ElementNotInteractableException):
            if time.time() > end:
                raise
            close_popups(drv)
            time.sleep(0.25)


def find(drv, xpath, timeout=10, root=None):
    return wait(drv, lambda: (root or drv).find_element(By.XPATH, xpath), timeout)


def button(drv, text, timeout=10, root=None):
    return find(drv, f".//button[normalize-space()={xq(text)}]", timeout, root)


def xq(s):
    """An XPath string literal for s."""
    if "'" not in s:
        return f"'{s}'"
    if '"' not in s:
        return f'"{s}"'
    return "concat(" + ", \"'\", ".join(f"'{p}'" for p in s.split("'")) + ")"


def open_dialog(drv, timeout=10):
    return wait(drv, lambda: drv.find_element(By.CSS_SELECTOR, "dialog[open]"), timeout)


def dialog_closed(drv, timeout=10):
    return wait(drv, lambda: not drv.find_elements(By.CSS_SELECTOR, "dialog[open]"), timeout)


def type_into(el, text):
    el.clear()
    el.send_keys(text)


def toasts(drv):
    return [t.text for t in drv.find_elements(By.CSS_SELECTOR, "#toasts .toast")]


def go(drv, base, path):
    drv.get(base + path)
    return wait(drv, lambda: page_ready(drv), 15)


# ------------------------------------------------------------ the API

def upload(api, path, fields, file_field, filename, data, mime):
    """A multipart/form-data POST with the admin key."""
    boundary = "hearth" + os.urandom(8).hex()
    parts = []
    for k, v in fields.items():
        parts.append(f"--{boundary}\r\nContent-Disposition: form-data; name=\"{k}\"\r\n\r\n{v}\r\n".encode())
    parts.append(f"--{boundary}\r\nContent-Disposition: form-data; name=\"{file_field}\"; filename=\"{filename}\"\r\n"
                 f"Content-Type: {mime}\r\n\r\n".encode() + data + b"\r\n")
    parts.append(f"--{boundary}--\r\n".encode())
    req = urllib.request.Request(api.url + path, method="POST", data=b"".join(parts), headers={
        "X-API-Key": api.key, "Content-Type": f"multipart/form-data; boundary={boundary}"})
    try:
        with urllib.request.urlopen(req, context=api.ctx, timeout=60) as res:
            return res.status, json.loads(res.read())
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode(errors="replace")


def ffmpeg(*args):
    return subprocess.run(["ffmpeg", "-nostdin", "-hide_banner", "-loglevel", "error", *args, "-y"],
                          capture_output=True, timeout=60)


def until(fn, timeout, step=0.3):
    end = time.time() + timeout
    while True:
        v = fn()
        if v or time.time() > end:
            return v
        time.sleep(step)


def items(api, path):
    st, page = api("GET", path)
    return page.get("items", []) if st == 200 and isinstance(page, dict) else []


# ------------------------------------------------------------ the flows

def flow_rooms(drv, base, api, P, made):
    room_name, sensor_name = f"{P} study", f"{P} study motion"
    if not go(drv, base, "/rooms"):
        return not_ok("rooms: /rooms shows", drv.current_url)
    click(drv, button(drv, "Add a room"))
    dlg = open_dialog(drv)
    if not check(bool(dlg), "rooms: Add a room opens the new room form"):
        return
    type_into(dlg.find_element(By.NAME, "name"), room_name)
    type_into(dlg.find_element(By.NAME, "description"), "Upstairs, next to the landing")
    click(drv, button(drv, "Add room", root=dlg))
    listed = find(drv, f"//main//table//td//strong[normalize-space()={xq(room_name)}]", 10)
    check(bool(listed) and dialog_closed(drv, 2), "rooms: the new room is listed", toasts(drv))
    room = next((r for r in items(api, "/api/v1/rooms?limit=1000") if r["name"] == room_name), None)
    if not check(room and room["description"] == "Upstairs, next to the landing",
                 "rooms: the room exists in the API with its description", room):
        return
    made["room"] = room["id"]

    click(drv, button(drv, "Add a sensor"))
    dlg = open_dialog(drv)
    if not check(bool(dlg), "sensors: Add a sensor opens the new sensor form"):
        return
    type_into(dlg.find_element(By.NAME, "name"), sensor_name)
    Select(dlg.find_element(By.NAME, "sensor_type")).select_by_value("pir")
    # The settings of the type are drawn from its schema: a GPIO pin, the
    # hold time and the calibration values.
    gpio = wait(drv, lambda: dlg.find_element(By.CSS_SELECTOR, "fieldset input[name=gpio]"), 5)
    warm = wait(drv, lambda: dlg.find_element(By.CSS_SELECTOR, "fieldset input[name=warmup_seconds]"), 5)
    if not check(bool(gpio and warm), "sensors: choosing the PIR type shows its settings (GPIO pin, calibration)"):
        return
    Select(dlg.find_element(By.NAME, "room_id")).select_by_value(str(room["id"]))
    type_into(gpio, "23")
    type_into(dlg.find_element(By.CSS_SELECTOR, "fieldset input[name=hold_seconds]"), "30")
    type_into(warm, "15")
    click(drv, button(drv, "Add sensor", root=dlg))
    row = find(drv, f"//main//table//tr[.//a[normalize-space()={xq(sensor_name)}]]", 10)
    check(bool(row) and dialog_closed(drv, 2) and room_name in row.text and "pir" in row.text,
          "sensors: the new sensor is listed, of type pir, in the new room",
          row.text if row else toasts(drv))
    sensor = next((s for s in items(api, "/api/v1/sensors?limit=1000") if s["name"] == sensor_name), None)
    if sensor:
        made["sensor"] = sensor["id"]
    cfg = (sensor or {}).get("config") or {}
    check(sensor and sensor["sensor_type"] == "pir" and sensor["room_id"] == room["id"] and sensor["enabled"]
          and cfg.get("gpio") == 23 and cfg.get("hold_seconds") == 30
          and (cfg.get("calibration") or {}).get("warmup_seconds") == 15,
          "sensors: the sensor exists in the API with its room and the settings typed", sensor)
    # The room now counts it.
    counted = find(drv, f"//main//tr[.//strong[normalize-space()={xq(room_name)}]]//button[normalize-space()='1']", 5)
    check(bool(counted), "rooms: the room's sensor count is 1")


def flow_rule(drv, base, api, P, made):
    name = f"{P} check-in"
    message = f"Is everything all right in the study? {P}"
    alert_text = f"The study check-in was answered {P}"
    if not go(drv, base, "/rules/new"):
        return not_ok("rule: /rules/new shows", drv.current_url)
    form = find(drv, "//main//form[.//input[@name='name']]")
    type_into(form.find_element(By.NAME, "name"), name)
    type_into(form.find_element(By.NAME, "description"), "Asks, then raises a warning")
    Select(form.find_element(By.NAME, "trigger_type")).select_by_value("manual")
    click(drv, button(drv, "Create rule", root=form))
    moved = wait(drv, lambda: re.search(r"/rules/(\d+)$", drv.current_url), 10)
    palette = wait(drv, lambda: drv.find_element(By.CSS_SELECTOR, "main .palette"), 10)
    if not check(bool(moved and palette), "rule: Create rule leads to the new rule's editor with its palette",
                 drv.current_url, toasts(drv)):
        return
    rid = int(moved.group(1))
    made["rule"] = rid
    st, rule = api("GET", f"/api/v1/rules/{rid}")
    check(st == 200 and rule["name"] == name and rule["trigger_type"] == "manual" and rule["enabled"],
          "rule: the rule exists in the API, manual, enabled", st, rule)

    def add_step(display, fill_in, steps_after):
        click(drv, button(drv, display, root=drv.find_element(By.CSS_SELECTOR, "main .palette")))
        dlg = open_dialog(drv)
        if not dlg:
            return False
        fill_in(dlg)
        click(drv, button(drv, "Add step", root=dlg))
        done = dialog_closed(drv, 10) and wait(
            drv, lambda: len(drv.find_elements(By.CSS_SELECTOR, "main ol.steps > li")) == steps_after, 10)
        return check(bool(done), f"rule: a {display} step is added from the palette",
                     *(toasts(drv) + [e.text for e in drv.find_elements(By.CSS_SELECTOR, "dialog[open] .error")]))

    def condition(dlg):
        type_into(dlg.find_element(By.NAME, "label"), "Started by hand")
        type_into(dlg.find_element(By.NAME, "expression"), 'trigger.type == "manual"')

    def prompt(dlg):
        type_into(dlg.find_element(By.NAME, "popup_title"), "Study check-in")
        type_into(dlg.find_element(By.NAME, "popup_message_template"), message)
        type_into(dlg.find_element(By.NAME, "dismiss_button_text"), "All fine")
        type_into(dlg.find_element(By.NAME, "escalate_button_text"), "Send help")
        type_into(dlg.find_element(By.NAME, "countdown_seconds"), "180")

    def notification(dlg):
        Select(dlg.find_element(By.NAME, "alert_level")).select_by_visible_text("warning")
        box = dlg.find_element(By.CSS_SELECTOR, "input[type=checkbox][value=pwa_realtime_ai]")
        click(drv, dlg.find_element(By.CSS_SELECTOR, f"label[for='{box.get_attribute('id')}']"))
        type_into(dlg.find_element(By.NAME, "message_template"), alert_text)

    if not (add_step("Condition", condition, 1) and add_step("Ask the person", prompt, 2)
            and add_step("Notification", notification, 3)):
        return
    _, rule = api("GET", f"/api/v1/rules/{rid}")
    steps = rule.get("steps", [])
    got = [(s["step_type"], s["order"]) for s in steps]
    cfg = {s["step_type"]: s["config_json"] for s in steps}
    check(got == [("condition", 1), ("interactive_prompt", 2), ("notification", 3)]
          and cfg["condition"].get("expression") == 'trigger.type == "manual"'
          and cfg["interactive_prompt"].get("popup_message_template") == message
          and cfg["interactive_prompt"].get("countdown_seconds") == 180
          and cfg["interactive_prompt"].get("dismiss_button_text") == "All fine"
          and cfg["notification"].get("alert_level") == "warning"
          and cfg["notification"].get("channels") == ["pwa_realtime_ai"]
          and cfg["notification"].get("message_template") == alert_text,
          "rule: the API holds the three steps in order with what was typed", steps)

    # Run now: the prompt comes up over the page, live.
    drain(drv, base)
    click(drv, drv.find_element(By.XPATH, "//main//button[normalize-space()='Run now']"))
    mine = f"//div[contains(@class,'prompt-overlay')][.//p[normalize-space()={xq(message)}]]"
    card = find(drv, mine, 15)
    runs = until(lambda: items(api, f"/api/v1/workflows?rule_id={rid}&limit=5"), 10)
    if runs:
        made["run"] = runs[0]["id"]
    if not check(bool(card), "rule: Run now pops the prompt up full-screen, live",
                 toasts(drv), runs):
        return
    check("Study check-in" in card.text and "All fine" in card.text and "Send help" in card.text,
          "rule: the card has its title and both buttons", card.text)
    cover = drv.execute_script(
        "const r = arguments[0].getBoundingClientRect();"
        "return [r.left, r.top, r.width, r.height, innerWidth, innerHeight,"
        " arguments[0].getAttribute('role'), arguments[0].getAttribute('aria-modal')];", card)
    check(cover[0] <= 0 and cover[1] <= 0 and cover[2] >= cover[4] - 20 and cover[3] >= cover[5] - 1
          and cover[6:] == ["alertdialog", "true"],
          "rule: the card covers the whole window as a modal alert dialog", cover)
    listed = find(drv, f"//main//a[@href='/runs/{made.get('run')}']", 10)
    check(bool(listed), "rule: the run is listed under Recent runs", made.get("run"))
    st, wf = api("GET", f"/api/v1/workflows/{made.get('run')}")
    check(st == 200 and wf.get("status") == "waiting", "rule: the run waits for the answer (API)", wf.get("status"))

    # Home: the prompt is still there (pending), answered with its button.
    if not go(drv, base, "/"):
        return not_ok("home: / shows", drv.current_url)
    card = find(drv, mine, 15)
    if not check(bool(card), "home: the pending prompt is shown again on Home"):
        return
    click(drv, button(drv, "All fine", root=card))
    gone = wait(drv, lambda: not drv.find_elements(By.XPATH, mine), 10)
    check(bool(gone), "home: answering closes the card")
    xp = f"//article[contains(@class,'alert-card')][.//p[normalize-space()={xq(alert_text)}]]"
    alert = find(drv, xp, 20)
    if check(bool(alert), "home: the rule's warning appears on Home without a reload"):
        check("warning" in alert.text, "home: shown as a warning", alert.text)
        click(drv, button(drv, "Dismiss", root=alert))
        check(bool(wait(drv, lambda: not drv.find_elements(By.XPATH, xp), 10)), "home: Dismiss takes it off the list")
    done = until(lambda: api("GET", f"/api/v1/workflows/{made.get('run')}")[1].get("status")
                 in ("completed", "failed", "cancelled"), 15)
    _, wf = api("GET", f"/api/v1/workflows/{made.get('run')}")
    answers = wf.get("interactive_responses") or []
    check(bool(done) and wf.get("status") == "completed", "rule: the run completes (API)", wf.get("status"), wf.get("error"))
    check(any(a.get("action") == "dismiss" and a.get("channel") == "pwa_popup_text" for a in answers)
          and (wf.get("pipeline_data") or {}).get("interactive_response", {}).get("action") == "dismiss",
          "rule: the answer is recorded as dismiss from the pop-up (API)", answers,
          (wf.get("pipeline_data") or {}).get("interactive_response"))
    alerts = [a for a in items(api, "/api/v1/alerts?limit=100") if a.get("message") == alert_text]
    check(len(alerts) == 1 and alerts[0]["alert_level"] == "warning" and alerts[0]["resolved"]
          and alerts[0]["resolution"] == "dismissed" and alerts[0].get("rule_id") == rid,
          "rule: one warning alert of this rule, dismissed (API)", alerts)


def flow_event(drv, base, api, P, made):
    eid = made.get("event")
    note = f"The neighbours' cat again ({P})"
    if not check(bool(eid), "event: a security event made through POST /api/v1/detections", made.get("detection")):
        return
    if not go(drv, base, f"/events/{eid}"):
        return not_ok("event: /events/:id shows", drv.current_url)
    badges = lambda: [b.text for b in drv.find_elements(By.CSS_SELECTOR, "main .page-head .badge")]
    check(f"{P} porch" in drv.find_element(By.TAG_NAME, "main").text and "to review" in badges(),
          "event: the page shows the camera, and 'to review'", badges())
    pic = wait(drv, lambda: drv.execute_script(
        "const i = document.querySelector('main .detection img');"
        "return i && i.complete && i.naturalWidth > 0 && i.naturalWidth;"), 10)
    check(pic == 320, "event: the detection's picture is shown", pic)
    form = find(drv, "//main//form[.//textarea[@name='notes']]")
    box = form.find_element(By.NAME, "reviewed")
    click(drv, form.find_element(By.CSS_SELECTOR, f"label[for='{box.get_attribute('id')}']"))
    type_into(form.find_element(By.NAME, "notes"), note)
    click(drv, button(drv, "Save review", root=form))
    shown = wait(drv, lambda: "reviewed" in badges() and "to review" not in badges(), 10)
    check(bool(shown), "event: Save review marks it reviewed on the page", badges(), toasts(drv))
    st, e = api("GET", f"/api/v1/events/{eid}")
    check(st == 200 and e.get("reviewed") is True and e.get("reviewed_at") and e.get("notes") == note,
          "event: reviewed, with reviewed_at and the note, in the API", st, e)


def flow_zones(drv, base, api, P, made):
    cam = made.get("camera")
    if not cam:
        return not_ok("zones: a camera made through the API")
    if not go(drv, base, f"/cameras/{cam}"):
        return not_ok("zones: /cameras/:id shows", drv.current_url)
    img = wait(drv, lambda: drv.execute_script(
        "const i = document.querySelector('main .zone-img');"
        "return i && !i.hidden && i.complete && i.naturalWidth > 0 && i.getBoundingClientRect().height > 50;"), 10)
    check(bool(img), "zones: the camera's picture (the recording's first frame) is shown to draw on",
          drv.execute_script("return document.querySelector('main .zone-stage + p').textContent"))
    form = find(drv, "//main//form[contains(@class,'zone-form')]")
    if not form:
        return not_ok("zones: the zone form is there")

    # Four corners clicked on the picture.
    name = f"{P} doorstep"
    type_into(form.find_element(By.NAME, "name"), name)
    Select(form.find_element(By.NAME, "zone_type")).select_by_value("restricted")
    svg = drv.find_element(By.CSS_SELECTOR, "main svg.zones-svg")
    drv.execute_script("arguments[0].scrollIntoView({block: 'center'});", svg)
    want = [(0.2, 0.2), (0.7, 0.25), (0.75, 0.8), (0.25, 0.7)]
    r = drv.execute_script("const r = arguments[0].getBoundingClientRect(); return [r.left, r.top, r.width, r.height];", svg)
    for x, y in want:
        # A corner: a click at that place on the picture (viewport pixels).
        ActionChains(drv).move_to_element_with_offset(svg, int((x - 0.5) * r[2]), int((y - 0.5) * r[3])).click().perform()
        time.sleep(0.05)
    pts = form.find_element(By.NAME, "points").get_attribute("value")
    drawn = drv.find_elements(By.CSS_SELECTOR, "main svg.zones-svg polygon.draft")
    check(len(pts.split()) == 4 and len(drawn) == 1 and len(drv.find_elements(By.CSS_SELECTOR, "main svg circle.corner")) == 4,
          "zones: four clicks on the picture make four corners, drawn as a polygon", pts)
    click(drv, button(drv, "Save zone", root=form))
    row = find(drv, f"//main//li[contains(@class,'zone-row')][.//strong[normalize-space()={xq(name)}]]", 10)
    check(bool(row) and "4 corners" in row.text and "restricted" in row.text,
          "zones: the zone is listed with its four corners", row.text if row else toasts(drv))
    zones = items(api, f"/api/v1/cameras/{cam}/zones")
    z = next((z for z in zones if z["name"] == name), None)
    poly = [(p["x"], p["y"]) for p in (z or {}).get("polygon", [])]
    close = len(poly) == 4 and all(abs(a - c) < 0.02 and abs(b - d) < 0.02 for (a, b), (c, d) in zip(poly, want))
    check(z and z["zone_type"] == "restricted" and z["enabled"] and close,
          "zones: the API holds it with the corners where they were clicked", poly, want)
    check(len(drv.find_elements(By.CSS_SELECTOR, "main svg.zones-svg polygon.zone:not(.draft)")) == 1
          and not drv.find_elements(By.CSS_SELECTOR, "main svg.zones-svg .draft"),
          "zones: saved, it is drawn over the picture and the draft is cleared")

    # One typed as corners.
    name2 = f"{P} path"
    form = find(drv, "//main//form[contains(@class,'zone-form')]")
    type_into(form.find_element(By.NAME, "name"), name2)
    Select(form.find_element(By.NAME, "zone_type")).select_by_value("walkway")
    type_into(form.find_element(By.NAME, "points"), "0.05,0.9 0.5,0.6 0.95,0.9")
    check(len(drv.find_elements(By.CSS_SELECTOR, "main svg circle.corner")) == 3,
          "zones: typed corners are drawn on the picture")
    click(drv, button(drv, "Save zone", root=form))
    row = find(drv, f"//main//li[contains(@class,'zone-row')][.//strong[normalize-space()={xq(name2)}]]", 10)
    check(bool(row) and "3 corners" in row.text, "zones: the typed zone is listed", row.text if row else toasts(drv))
    z2 = next((z for z in items(api, f"/api/v1/cameras/{cam}/zones") if z["name"] == name2), None)
    check(z2 and z2["zone_type"] == "walkway"
          and [(p["x"], p["y"]) for p in z2["polygon"]] == [(0.05, 0.9), (0.5, 0.6), (0.95, 0.9)],
          "zones: the API holds the typed corners exactly", z2)


def flow_recording(drv, base, api, P, made):
    cam, rec = made.get("camera"), made.get("recording")
    if not check(bool(rec), "recording: a clip uploaded through POST /api/v1/recordings", made.get("recording_error")):
        return
    if f"/cameras/{cam}" not in drv.current_url and not go(drv, base, f"/cameras/{cam}"):
        return not_ok("recording: /cameras/:id shows", drv.current_url)
    tile = find(drv, f"//main//article[contains(@class,'recording')][.//a[@href='/api/v1/recordings/{rec}/video']]", 10)
    if not check(bool(tile), "recording: the recording is listed on its camera's page"):
        return
    drain(drv, base)
    click(drv, button(drv, "Play", root=tile))
    video = wait(drv, lambda: drv.find_element(By.CSS_SELECTOR, "main .player-box video"), 10)
    if not check(bool(video), "recording: Play opens the player in the page"):
        return
    meta = wait(drv, lambda: drv.execute_script(
        "const v = arguments[0]; return v.readyState >= 1 && [v.duration, v.videoWidth, v.videoHeight];", video), 15)
    err = drv.execute_script("const v = arguments[0]; return v.error && [v.error.code, v.error.message];", video)
    if not check(bool(meta), "recording: the <video> loads its metadata", err,
                 drv.execute_script("return arguments[0].currentSrc", video)):
        return
    check(abs(meta[0] - 3) < 0.3 and meta[1:] == [320, 240], "recording: 3 s of 320x240, as made", meta)
    started = drv.execute_async_script(
        "const v = arguments[0], done = arguments[arguments.length - 1];"
        "v.muted = true;"
        "v.play().then(() => done('playing'), (e) => done(String(e)));", video)
    moved = wait(drv, lambda: drv.execute_script("return arguments[0].currentTime", video) > 0.5, 10)
    now = drv.execute_script("return [arguments[0].currentTime, arguments[0].paused, arguments[0].readyState]", video)
    check(started == "playing" and bool(moved), "recording: after play() its currentTime advances", started, now)
    drain(drv, base)
    vids = [(s, u) for s, u, _ in RESPONSES if u.startswith(f"{base}/api/v1/recordings/{rec}/video")]
    check(any(s == 206 for s, _ in vids), "recording: nginx answered the player with 206 (Range)", vids)
    st, r = api("GET", f"/api/v1/recordings/{rec}")
    check(st == 200 and r.get("duration_ms") == 3000 and r.get("camera_id") == cam,
          "recording: the API has the recording the player showed", r)


# ------------------------------------------------------------ set-up and clean-up

def make_media(api, P, made, tmp):
    """A camera with a detection (a JPEG, hence a security event) and a
    3 s recording, all through the API."""
    st, cam = api("POST", "/api/v1/cameras", {"name": f"{P} porch"})
    if not check(st == 201, "setup: a camera through POST /api/v1/cameras", st, cam):
        return
    made["camera"] = cam["id"]
    jpg, mp4 = os.path.join(tmp, "cat.jpg"), os.path.join(tmp, "clip.mp4")
    ffmpeg("-f", "lavfi", "-i", "testsrc=size=320x240:rate=1", "-frames:v", "1", jpg)
    ffmpeg("-f", "lavfi", "-i", "testsrc=duration=3:size=320x240:rate=10", "-c:v", "libx264",
           "-pix_fmt", "yuv420p", mp4)
    if not (os.path.exists(jpg) and os.path.exists(mp4)):
        return not_ok("setup: ffmpeg makes a picture and a 3 s clip")
    st, rec = upload(api, "/api/v1/recordings", {"camera_id": cam["id"]}, "file", "clip.mp4",
                     open(mp4, "rb").read(), "video/mp4")
    if st == 201:
        made["recording"] = rec["id"]
    else:
        made["recording_error"] = f"{st} {rec}"
    st, det = api("POST", "/api/v1/detections", {
        "camera_id": cam["id"], "object_type": "cat", "confidence": 0.5,
        "bbox": {"x": 0.3, "y": 0.4, "width": 0.2, "height": 0.3},
        "detected_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "image_base64": base64.b64encode(open(jpg, "rb").read()).decode()})
    if st == 201:
        made["event"], made["detection"] = det["event_id"], det["id"]
    else:
        made["detection"] = f"{st} {det}"


def clean(api, made):
    for z in items(api, f"/api/v1/cameras/{made['camera']}/zones") if made.get("camera") else []:
        api("DELETE", f"/api/v1/zones/{z['id']}")
    if made.get("recording"):
        api("DELETE", f"/api/v1/recordings/{made['recording']}")
    for key, path in (("rule", "rules"), ("camera", "cameras"), ("sensor", "sensors"), ("room", "rooms"),
                      ("user", "users")):
        if made.get(key):
            st, body = api("DELETE", f"/api/v1/{path}/{made[key]}")
            if st not in (200, 204, 404):
                print(f"# clean-up: DELETE /api/v1/{path}/{made[key]}: {st} {body}")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--url", required=True)
    ap.add_argument("--admin-key", required=True)
    ap.add_argument("--prefix", default=f"flows-{int(time.time())}{os.getpid()}",
                    help="the start of every name this run gives")
    a = ap.parse_args()
    base = a.url.rstrip("/")
    api = Api(base, a.admin_key)
    P = a.prefix
    pw = f"a long household phrase {P}"
    made = {}
    tmp = tempfile.mkdtemp(prefix="hearth-flows-")
    profile = os.path.join(tmp, "profile")
    drv = None
    began = time.time()
    try:
        st, user = api("POST", "/api/v1/users", {"username": P, "role": "admin", "password": pw,
                                                 "display_name": "Flows Admin"})
        if not check(st == 201, "setup: an admin person", st, user):
            return 1
        made["user"] = user["id"]
        make_media(api, P, made, tmp)
        drv = browser(profile)
        drv.set_script_timeout(20)
        if not check(sign_in(drv, base, P, pw), "an admin signs in through the sign-in page"):
            return 1
        for title, flow in (("rooms and sensors", flow_rooms), ("rule, prompt and alert", flow_rule),
                            ("security event review", flow_event), ("zones", flow_zones),
                            ("recording playback", flow_recording)):
            t0 = time.time()
            drain(drv, base)
            try:
                flow(drv, base, api, P, made)
            except Exception as e:  # a step that could not be done at all
                not_ok(f"{title}: the flow ran to its end", f"{type(e).__name__}: {str(e)[:600]}", drv.current_url,
                       *toasts(drv))
            trouble = drain(drv, base)
            check(not trouble, f"{title}: no console error and no failed request", *trouble)
            print(f"# {title}: {time.time() - t0:.1f} s", flush=True)
    finally:
        if drv:
            drv.quit()
        clean(api, made)
        shutil.rmtree(tmp, ignore_errors=True)
    if POPUPS[0]:
        print(f"# {POPUPS[0]} pending pop-up notification(s) of earlier runs closed on the way")
    print(f"# {time.time() - began:.0f} s in all")
    return 1 if dash.FAILED else 0


if __name__ == "__main__":
    sys.exit(main())
