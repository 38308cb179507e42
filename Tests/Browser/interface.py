"""Drives Berth's web interface in a real browser (Debian's chromium through Selenium), as a
person would. Run by Tests/BerthCLITests/InterfaceBrowserTests.swift against a real
`berth serve`; every fact it checks is an assertion, and a failure exits non-zero with the
step that failed. Screenshots of the main pages go to $SCREENSHOTS (not committed).

Environment: BASE_URL, REPOSITORY, MAINTAINER and READER (user:password), INDEX, COSIGN,
NOTATION, SBOM, SBOM_SIGNATURE, UNSIGNED (digests), SCREENSHOTS.
"""
import json
import os
import sys
import time

os.environ.setdefault("SE_OFFLINE", "true")
os.environ.setdefault("SE_MANAGER_PATH", "/bin/false")

from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import WebDriverWait

BASE = os.environ["BASE_URL"]
REPOSITORY = os.environ["REPOSITORY"]
PROJECT = REPOSITORY.split("/")[0]
SHOTS = os.environ["SCREENSHOTS"]
INDEX, COSIGN, NOTATION = os.environ["INDEX"], os.environ["COSIGN"], os.environ["NOTATION"]
SBOM, SBOM_SIGNATURE, UNSIGNED = os.environ["SBOM"], os.environ["SBOM_SIGNATURE"], os.environ["UNSIGNED"]
step = "starting the browser"


def check(condition, message):
    if not condition:
        raise AssertionError(message)


def make_driver():
    options = webdriver.ChromeOptions()
    options.binary_location = "/usr/bin/chromium"
    for argument in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1366,900", "--lang=en-US"):
        options.add_argument(argument)
    # The reader's zone is not UTC, so the script's local times differ from the page's UTC ones.
    service = Service("/usr/bin/chromedriver", env={**os.environ, "TZ": "Asia/Tokyo"})
    return webdriver.Chrome(service=service, options=options)


def shot(driver, name):
    driver.save_screenshot(os.path.join(SHOTS, name + ".png"))


def sign_in(driver, credentials):
    user, password = credentials.split(":", 1)
    driver.get(BASE + "/login")
    driver.find_element(By.ID, "username").send_keys(user)
    driver.find_element(By.ID, "password").send_keys(password)
    driver.find_element(By.ID, "sign-in-submit").click()
    WebDriverWait(driver, 10).until(EC.presence_of_element_located((By.ID, "signed-in-as")))
    check(driver.find_element(By.ID, "signed-in-as").text == user, "the header names the signed-in account")


def sign_out(driver):
    driver.find_element(By.ID, "sign-out").click()
    WebDriverWait(driver, 10).until(EC.presence_of_element_located((By.ID, "sign-in")))


def artifact_row(driver, digest):
    rows = driver.find_elements(By.CSS_SELECTOR, "tr.artifact[data-digest='%s']" % digest)
    return rows[0] if rows else None


def accessory_rows(root):
    found = {}
    for row in root.find_elements(By.CSS_SELECTOR, "tr.accessory"):
        found[row.get_attribute("data-digest")] = {
            "name": row.find_element(By.CSS_SELECTOR, ".accessory-name").text.replace("↳", "").strip(),
            "type": row.find_element(By.CSS_SELECTOR, ".accessory-type").text,
            "size": row.find_element(By.CSS_SELECTOR, ".accessory-size").text,
            "created": row.find_element(By.CSS_SELECTOR, ".accessory-created time").get_attribute("datetime"),
            "nested": "tree-1" in row.get_attribute("class"),
        }
    return found


def delete_accessory(driver, digest):
    row = driver.find_element(By.CSS_SELECTOR, "tr.accessory[data-digest='%s']" % digest)
    row.find_element(By.CSS_SELECTOR, "details.menu > summary").click()
    row.find_element(By.CSS_SELECTOR, "a.accessory-delete").click()
    WebDriverWait(driver, 5).until(EC.alert_is_present())
    alert = driver.switch_to.alert
    check("Delete" in alert.text, "the confirmation asks before deleting: %r" % alert.text)
    alert.accept()
    WebDriverWait(driver, 10).until(EC.presence_of_element_located((By.ID, "flash")))


def signed_state(driver):
    return driver.find_element(By.ID, "artifact-signed").text


def forged_post(driver, url, with_token):
    script = """
    const done = arguments[arguments.length - 1];
    const token = document.querySelector('meta[name=csrf-token]').content;
    const body = arguments[1] ? 'csrf=' + encodeURIComponent(token) : 'nothing=1';
    fetch(arguments[0], {method: 'POST', body: body, credentials: 'same-origin',
                         headers: {'Content-Type': 'application/x-www-form-urlencoded'}, redirect: 'manual'})
      .then(r => done(r.status)).catch(e => done('error ' + e));
    """
    return driver.execute_async_script(script, url, with_token)


def main():
    global step
    driver = make_driver()
    driver.set_script_timeout(10)
    try:
        repository_url = BASE + "/repositories/" + REPOSITORY
        artifact_url = repository_url + "/-/artifacts/" + INDEX

        step = "signed out, the private project is not listed"
        driver.get(BASE + "/projects")
        check(PROJECT not in [a.text for a in driver.find_elements(By.CSS_SELECTOR, "#projects a")],
              "a private project is hidden from visitors who are not signed in")

        step = "the maintainer signs in and opens the project"
        sign_in(driver, os.environ["MAINTAINER"])
        shot(driver, "projects")
        driver.find_element(By.LINK_TEXT, PROJECT).click()
        WebDriverWait(driver, 10).until(EC.presence_of_element_located((By.ID, "repositories")))
        check(driver.find_element(By.ID, "project-name").text == PROJECT, "the project page names the project")
        shot(driver, "project")

        step = "the repository lists the signed index with ✓ and the unsigned image with ✗"
        driver.find_element(By.LINK_TEXT, REPOSITORY).click()
        WebDriverWait(driver, 10).until(EC.presence_of_element_located((By.ID, "artifacts")))
        signed_row, unsigned_row = artifact_row(driver, INDEX), artifact_row(driver, UNSIGNED)
        check(signed_row is not None and unsigned_row is not None, "both artifacts are listed")
        check(signed_row.find_element(By.CSS_SELECTOR, ".signature-state").text.startswith("✓"), "the signed index shows ✓")
        check(unsigned_row.find_element(By.CSS_SELECTOR, ".signature-state").text == "✗", "the unsigned image shows ✗")
        check("multi-arch index" in signed_row.text and "linux/amd64" in signed_row.text and "linux/arm64" in signed_row.text,
              "the index shows its kind and platforms")
        for accessory in (COSIGN, NOTATION, SBOM, SBOM_SIGNATURE):
            check(artifact_row(driver, accessory) is None, "accessories are not listed as artifacts of their own")
        shot(driver, "artifacts")

        step = "the > of the index opens its Accessories table in place"
        signed_row.find_element(By.CSS_SELECTOR, "a.expand").click()
        WebDriverWait(driver, 10).until(EC.presence_of_element_located((By.CSS_SELECTOR, "tr.fragment tr.accessory")))
        table = accessory_rows(driver.find_element(By.CSS_SELECTOR, "tr.fragment"))
        check(set(table) == {COSIGN, NOTATION, SBOM, SBOM_SIGNATURE}, "the table holds the four accessories: %s" % json.dumps(table))
        check(table[COSIGN]["type"] == "cosign signature (simple signing)", "cosign's type: %r" % table[COSIGN]["type"])
        check(table[COSIGN]["name"].startswith("sha256-") and table[COSIGN]["name"].endswith(".sig"), "cosign's name is its tag")
        check(table[NOTATION]["type"] == "Notation signature (JWS)", "Notation's type: %r" % table[NOTATION]["type"])
        check(table[SBOM]["type"] == "SBOM (SPDX)", "the SBOM's type: %r" % table[SBOM]["type"])
        check(table[SBOM_SIGNATURE]["nested"] and not table[SBOM]["nested"], "the SBOM's signature is nested under the SBOM")
        for digest, row in table.items():
            check(row["size"].endswith(" B") or row["size"].endswith(" kB"), "a size in human units: %r" % row["size"])
            check(row["created"].endswith("Z") and abs(time.time() - time.mktime(time.strptime(row["created"], "%Y-%m-%dT%H:%M:%SZ"))) < 3600 * 24,
                  "a created time in UTC: %r" % row["created"])
        shot(driver, "accessories-in-place")

        step = "times: UTC in the page, the reader's zone (Asia/Tokyo, +09:00) once the script ran"
        first_time = driver.find_element(By.CSS_SELECTOR, "tr.artifact time")
        check(first_time.get_attribute("title").endswith("UTC"), "the page's own text is UTC: %r" % first_time.get_attribute("title"))
        utc_hour = int(first_time.get_attribute("datetime")[11:13])
        local_hour = int(driver.execute_script(
            "return new Date(arguments[0]).getHours()", first_time.get_attribute("datetime")))
        check(local_hour == (utc_hour + 9) % 24, "the browser is in Tokyo time: %d vs %d" % (local_hour, utc_hour))
        check(first_time.text != first_time.get_attribute("title"), "the script rewrote the time in the reader's zone")

        step = "the artifact page shows the same table; one signature is deleted through its menu"
        driver.get(artifact_url)
        check(signed_state(driver).startswith("✓"), "the artifact page shows it signed")
        shot(driver, "artifact")
        delete_accessory(driver, NOTATION)
        remaining = accessory_rows(driver)
        check(NOTATION not in remaining and COSIGN in remaining, "the Notation signature is gone, cosign's stays")
        check(signed_state(driver).startswith("✓"), "still signed by cosign")

        step = "after the last signature goes, the artifact shows ✗"
        delete_accessory(driver, COSIGN)
        remaining = accessory_rows(driver)
        check(set(remaining) == {SBOM, SBOM_SIGNATURE}, "only the SBOM and its signature remain: %s" % sorted(remaining))
        check(signed_state(driver).startswith("✗"), "the artifact now shows ✗")
        driver.get(repository_url)
        check(artifact_row(driver, INDEX).find_element(By.CSS_SELECTOR, ".signature-state").text == "✗", "the list shows ✗ too")
        driver.get(artifact_url)
        shot(driver, "artifact-unsigned")

        step = "a post without the CSRF token is refused, even from the maintainer's session"
        status = forged_post(driver, artifact_url + "/delete", False)
        check(status == 403, "a delete without the token answers 403, got %r" % status)

        step = "deleting the artifact lists what goes with it and removes it"
        driver.find_element(By.CSS_SELECTOR, "a.artifact-delete").click()
        WebDriverWait(driver, 5).until(EC.alert_is_present())
        alert = driver.switch_to.alert
        check("accessories go with it" in alert.text, "the confirmation lists the accessories: %r" % alert.text)
        alert.accept()
        WebDriverWait(driver, 10).until(EC.presence_of_element_located((By.ID, "flash")))
        check(artifact_row(driver, INDEX) is None, "the index is gone from the list")
        check(artifact_row(driver, UNSIGNED) is not None, "the other artifact stays")

        step = "phone width"
        driver.set_window_size(390, 844)
        driver.get(repository_url)
        check(driver.execute_script("return document.documentElement.scrollWidth <= window.innerWidth + 1"),
              "the artifacts page fits a phone's width")
        shot(driver, "artifacts-phone")
        driver.set_window_size(1366, 900)
        sign_out(driver)

        step = "a reader sees no delete control, and a delete from the reader's session is refused"
        sign_in(driver, os.environ["READER"])
        driver.get(repository_url)
        check(artifact_row(driver, UNSIGNED) is not None, "the reader sees the artifact")
        for selector in ("a.artifact-delete", "a.accessory-delete", "a.tag-delete", "details.menu"):
            check(not driver.find_elements(By.CSS_SELECTOR, selector), "no %s for a reader" % selector)
        status = forged_post(driver, repository_url + "/-/artifacts/" + UNSIGNED + "/delete", True)
        check(status == 403, "the reader's delete with a valid token answers 403, got %r" % status)
        driver.get(repository_url)
        check(artifact_row(driver, UNSIGNED) is not None, "the artifact is still there")
        shot(driver, "reader")
        sign_out(driver)
        print("interface: every check passed")
    except Exception as error:  # noqa: BLE001 - report the step, then fail
        try:
            shot(driver, "failure")
            print("page at failure: %s\n%s" % (driver.current_url, driver.page_source[:4000]), file=sys.stderr)
        except Exception:  # noqa: BLE001
            pass
        print("interface: FAILED at %r: %s" % (step, error), file=sys.stderr)
        sys.exit(1)
    finally:
        driver.quit()


if __name__ == "__main__":
    main()
