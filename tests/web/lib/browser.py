#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""browser.py BASE TOKEN OUTDIR SHOTDIR: walks the control panel in headless
Chromium as a customer would: sign in with a domain token, generate a
2048-bit key on the DKIM page, read the record from the green box, set
alice@example.com's DKIM selector on the outgoing users page. Writes the
record's name and value to OUTDIR/record.name and OUTDIR/record.value and a
screenshot of each page to SHOTDIR. Exits non-zero on any surprise."""
import os
import re
import sys
import tempfile

from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select, WebDriverWait

base, token, out, shots = sys.argv[1:5]

options = webdriver.ChromeOptions()
options.binary_location = '/usr/bin/chromium'
profile = tempfile.mkdtemp(prefix='chromium-profile-')
for flag in ('--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
             '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-dev-shm-usage',
             '--window-size=1100,900', '--user-data-dir=' + profile):
    options.add_argument(flag)
driver = webdriver.Chrome(service=Service('/usr/bin/chromedriver'), options=options)
driver.set_page_load_timeout(60)
wait = WebDriverWait(driver, 30)  # bounded waits: the page must render within 30 s


def shot(name):
    driver.save_screenshot(os.path.join(shots, name + '.png'))


def text(css):
    return driver.find_element(By.CSS_SELECTOR, css).text


try:
    driver.get(base + '/')
    wait.until(lambda d: d.find_elements(By.ID, 'token'))
    assert not driver.find_elements(By.TAG_NAME, 'script'), 'the page has scripts'
    shot('01-sign-in')
    driver.find_element(By.ID, 'token').send_keys(token)
    driver.find_element(By.ID, 'sign-in').click()
    wait.until(lambda d: d.find_elements(By.ID, 'generate'))
    cookie = driver.get_cookie('dkim_session')
    assert cookie and cookie['httpOnly'] and cookie['secure'] and cookie['sameSite'] == 'Strict', cookie

    bits = Select(driver.find_element(By.ID, 'bits'))
    assert bits.first_selected_option.get_attribute('value') == '2048', 'not 2048 by default'
    assert 'recommended' in bits.first_selected_option.text
    bits.select_by_value('2048')
    driver.find_element(By.ID, 'selector').send_keys('s2026')
    driver.find_element(By.ID, 'generate').click()
    wait.until(lambda d: d.find_elements(By.ID, 'dkim-record'))
    box = driver.find_element(By.ID, 'dkim-record')
    color = box.value_of_css_property('background-color')
    assert color.startswith('rgba(223, 245, 216') or color.startswith('rgb(223, 245, 216'), color
    name, value = text('#record-name'), text('#record-value')
    assert name == 's2026._domainkey.example.com', name
    assert value.startswith('v=DKIM1; k=rsa; p='), value
    assert text('#record-zone').startswith('s2026._domainkey.example.com.'), text('#record-zone')
    open(os.path.join(out, 'record.name'), 'w').write(name)
    open(os.path.join(out, 'record.value'), 'w').write(value)
    assert '2048' in text('#keys'), text('#keys')
    # Each key's lifecycle state and the time of its steps.
    assert text('#key-s2026 .state') == 'active', text('#key-s2026')
    assert re.search(r'active \d{4}-\d\d-\d\dT', text('#key-s2026')), text('#key-s2026')
    shot('02-dkim')

    # Rotate (a form, no script): a pending successor, offered for activation.
    driver.find_element(By.ID, 'rotate-s2026').click()
    wait.until(lambda d: d.find_elements(By.CSS_SELECTOR, 'button[id^="activate-s2026-"]'))
    assert 'The pending key s2026-' in text('.notice'), text('.notice')
    rows = [r for r in driver.find_elements(By.CSS_SELECTOR, '#keys tr[id^="key-s2026-"]')]
    assert len(rows) == 1 and rows[0].find_element(By.CSS_SELECTOR, '.state').text == 'pending', \
        [r.text for r in rows]
    assert text('#key-s2026 .state') == 'active', 'the rotated key stopped signing before activation'
    # The keys table, for the screenshot (the page itself has no scripts).
    driver.execute_script('arguments[0].scrollIntoView()', driver.find_element(By.ID, 'keys'))
    shot('02b-dkim-rotated')

    driver.find_element(By.ID, 'nav-users').click()
    wait.until(lambda d: d.find_elements(By.ID, 'users'))
    field = driver.find_element(By.CSS_SELECTOR, 'input[aria-label="DKIM selector of alice@example.com"]')
    field.clear()
    field.send_keys('s2026')
    field.find_element(By.XPATH, './following-sibling::button').click()
    wait.until(lambda d: 'Saved the DKIM selector of alice@example.com' in d.page_source)
    field = driver.find_element(By.CSS_SELECTOR, 'input[aria-label="DKIM selector of carol@example.com"]')
    field.clear()
    field.send_keys('nokey')
    field.find_element(By.XPATH, './following-sibling::button').click()
    wait.until(lambda d: 'has no key for selector nokey' in d.page_source)
    shot('03-users')
finally:
    driver.quit()
