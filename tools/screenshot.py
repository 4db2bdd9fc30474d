#!/usr/bin/python3
# Screenshot a dashboard page in headless Chromium, signed in first when
# USER:PASSWORD is given; the browser console is printed after.
#   tools/screenshot.py URL OUT.png WIDTH HEIGHT [USER:PASSWORD]
import sys, time, json, tempfile
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
url, out, w, hgt = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
login = sys.argv[5] if len(sys.argv) > 5 else None
o = webdriver.ChromeOptions()
for a in ['--headless=new','--no-sandbox','--disable-gpu','--disable-background-networking','--disable-component-update','--disable-sync','--no-first-run','--ignore-certificate-errors', f'--user-data-dir={tempfile.mkdtemp()}', f'--window-size={w},{hgt}']:
    o.add_argument(a)
o.set_capability('goog:loggingPrefs', {'browser': 'ALL'})
d = webdriver.Chrome(service=Service('/usr/bin/chromedriver'), options=o)
base = url.split('/', 3)[:3]; base = '/'.join(base)
if login:
    u, p = login.split(':', 1)
    d.get(base + '/signin')
    time.sleep(1.5)
    d.find_element('name', 'username').send_keys(u)
    d.find_element('name', 'password').send_keys(p)
    d.find_element('css selector', 'button[type=submit]').click()
    time.sleep(2)
d.get(url)
time.sleep(2.5)
d.save_screenshot(out)
for e in d.get_log('browser'):
    print(e['level'], e['message'][:300])
d.quit()
