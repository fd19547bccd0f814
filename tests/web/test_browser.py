"""gradlab explore in a real browser (Debian's Chromium through Selenium), against a real server started here.

Every number read off the page is compared with the library's own (gl.explain, gl.grade).
"""

import base64
import json
import time

import numpy as np
import pytest

import gradlab as gl
from gradlab.explainer.examples import example


def console_errors(driver):
    """The browser console's errors since the last call."""
    return [e for e in driver.get_log("browser") if e.get("level") == "SEVERE"]

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


def wait(driver, predicate, timeout=20, what="the page"):
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        try:
            value = predicate()
            if value:
                return value
        except Exception as exc:  # noqa: BLE001 - the element may not exist yet
            last = exc
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what} ({last})")


def css(driver, selector):
    return driver.find_elements("css selector", selector)


def page_values(driver):
    """{entry: number} of every value span on the page."""
    out = {}
    for el in css(driver, "#values .value[data-entry]"):
        text = el.get_attribute("textContent").strip().replace("−", "-")
        if text:
            out[el.get_attribute("data-entry")] = float(text)
    return out


def state_from_url(driver):
    url = driver.current_url
    frag = url.split("#s=", 1)[1]
    frag += "=" * (-len(frag) % 4)
    return json.loads(base64.urlsafe_b64decode(frag).decode("utf-8"))


def explanation_of(state):
    from gradlab.web.state import explanation_of as ex, parse_state

    return ex(parse_state(state))


def sheet_values(exp):
    return {e.name: e.expected for e in gl.grading.sheet.sheet_for(exp).entries}


@pytest.fixture()
def page(browser, explorer):
    browser.get(explorer.url)
    wait(browser, lambda: len(page_values(browser)) >= 60, what="the course example's values")
    console_errors(browser)
    yield browser
    assert console_errors(browser) == []


def test_the_course_example_shows_the_explainers_numbers(page):
    values, right = page_values(page), sheet_values(example("course"))
    assert set(right) <= set(values)
    for name, v in right.items():
        assert abs(values[name] - v) <= 5e-5 + 5e-5 * abs(v), (name, values[name], v)


def test_editing_a_weight_recomputes_everything_downstream(page):
    field = css(page, '#params input[data-name="W[2][1,1]"]')[0]
    before = page_values(page)["a[3][1]"]
    field.clear()
    field.send_keys("0.7")
    wait(page, lambda: abs(page_values(page)["a[3][1]"] - before) > 1e-3, what="ŷ to change")
    state = state_from_url(page)
    assert state["layers"][1]["W"][0][0] == 0.7
    right = sheet_values(explanation_of(state))
    values = wait(page, lambda: (v := page_values(page)) and abs(v["dW[1][1,1]"] - right["dW[1][1,1]"]) < 1e-4 and v,
                  what="the gradients to settle")
    for name, v in right.items():
        assert abs(values[name] - v) <= 5e-5 + 5e-5 * abs(v), (name, values[name], v)


def test_a_letter_in_a_weight_is_named_beside_the_field_and_the_numbers_stay(page):
    before = page_values(page)
    field = css(page, '#params input[data-name="W[2][1,1]"]')[0]
    field.clear()
    field.send_keys("0.x")
    msg = wait(page, lambda: css(page, '.error[data-for="W[2][1,1]"]')[0].text.strip(), what="the message")
    assert "not a number" in msg
    assert page_values(page) == before


def test_stepping_forward_backward_and_update_with_the_keyboard(page):
    titles = [wait(page, lambda: css(page, "#step-title")[0].text.strip(), what="a step")]
    body = css(page, "body")[0]
    for _ in range(16):
        body.send_keys("\ue014")  # → (arrow right)
        wait(page, lambda: css(page, "#step-title")[0].text.strip() != titles[-1], what="the next step")
        titles.append(css(page, "#step-title")[0].text.strip())
    assert titles[0].startswith("Forward pass") and any(t.startswith("Backward pass") for t in titles)
    assert any(t.startswith("Gradient descent update") for t in titles)
    assert titles[-1].startswith("Verification")
    assert css(page, "#scalar .eq[data-entry]") or css(page, "#scalar .eq")
    assert "Jacobian" in css(page, "#matrix")[0].text or "∂" in css(page, "#matrix")[0].text


def test_clicking_a_weight_shows_its_chain_rule(page):
    edge = css(page, '#network [data-entry="W[2][1,2]"]')[0]
    page.execute_script("arguments[0].dispatchEvent(new MouseEvent('click', {bubbles: true}))", edge)
    lines = wait(page, lambda: css(page, "#derivation .eq[data-entry]"), what="the derivation")
    names = [el.get_attribute("data-entry") for el in lines]
    assert "dW[2][1,2]" in names and "delta[2][2]" in names


def test_check_my_work_marks_a_wrong_entry_with_its_mistake(page):
    css(page, "#tab-check")[0].click()
    cell = wait(page, lambda: css(page, '#check input.answer[data-entry="delta[2][1]"]')[0], what="the cells")
    right = css(page, '#check input.answer[data-entry="z[1][1]"]')[0]
    right.send_keys("0.3")
    cell.send_keys("-0.0904")
    wait(page, lambda: "wrong" in cell.get_attribute("class"), what="the verdict")
    assert "correct" in right.get_attribute("class").split()
    verdict = css(page, '.verdict[data-entry="delta[2][1]"]')[0].text
    assert "missing_derivative" in verdict and "0.2364" in verdict


def test_the_url_restores_the_state(page, browser, explorer):
    field = css(page, '#params input[data-name="b[3][1]"]')[0]
    field.clear()
    field.send_keys("0.25")
    wait(page, lambda: state_from_url(page)["layers"][2]["b"][0] == 0.25, what="the URL")
    url = page.current_url
    expected = page_values(page)
    page.get("about:blank")
    page.get(url)
    wait(page, lambda: len(page_values(page)) >= 60, what="the restored page")
    assert css(page, '#params input[data-name="b[3][1]"]')[0].get_attribute("value") == "0.25"
    assert page_values(page) == expected


def test_live_training_then_the_explanation_of_a_past_step(page):
    css(page, "#tab-train")[0].click()
    css(page, "#train-start")[0].click()
    wait(page, lambda: int(css(page, "#train-step")[0].text.split()[-1] or 0) >= 50, timeout=30,
         what="training to run")
    css(page, "#train-pause")[0].click()
    time.sleep(0.3)
    css(page, "#train-explain")[0].click()
    wait(page, lambda: "bce_with_logits" in json.dumps(state_from_url(page)), what="the step's explanation")
    state = state_from_url(page)
    right = sheet_values(explanation_of(state))
    values = wait(page, lambda: (v := page_values(page)) and "loss" in v and abs(v["loss"] - right["loss"]) < 1e-4
                  and v, what="the step's numbers")
    for name in ("loss", "dW[1][1,1]", "W_new[1][1,1]"):
        assert abs(values[name] - right[name]) <= 5e-5 + 5e-5 * abs(right[name]), name


@pytest.mark.parametrize("size", [(1280, 800), (1920, 1080)])
def test_screenshots_at_classroom_sizes(page, artifacts, size):
    page.set_window_size(*size)
    time.sleep(0.5)
    width = page.execute_script("return document.documentElement.scrollWidth")
    assert width <= size[0] + 1  # no horizontal scrolling
    fonts = page.execute_script(
        "return Array.from(document.querySelectorAll('#values .value')).map(e => parseFloat(getComputedStyle(e).fontSize))")
    assert fonts and min(fonts) >= 14
    path = artifacts / f"explore-{size[0]}x{size[1]}.png"
    page.save_screenshot(str(path))
    assert path.stat().st_size > 10_000
    page.set_window_size(1280, 800)


def test_no_cdn_or_external_resource(page):
    urls = page.execute_script(
        "return performance.getEntriesByType('resource').map(e => e.name)")
    assert urls and all(u.startswith("http://127.0.0.1:") for u in urls), urls


def test_a_matrix_entry_jumps_to_its_scalar_line_and_back(page):
    body = css(page, "body")[0]
    while not css(page, '#matrix [data-entry="dW[2][1,2]"]'):
        title = css(page, "#step-title")[0].text
        body.send_keys("\ue014")
        wait(page, lambda: css(page, "#step-title")[0].text != title, what="the next step")
    start = css(page, "#step-title")[0].text
    cell = css(page, '#matrix [data-entry="dW[2][1,2]"]')[0]
    page.execute_script("arguments[0].dispatchEvent(new MouseEvent('click', {bubbles: true}))", cell)
    line = wait(page, lambda: css(page, '#scalar .eq.highlight[data-entry="dW[2][1,2]"]'), what="the scalar line")
    assert line and css(page, "#step-title")[0].text.startswith("Backward pass · Parameter gradients")
    css(page, "#jump-back")[0].click()
    wait(page, lambda: css(page, "#step-title")[0].text == start, what="the way back")
    assert css(page, '#matrix [data-entry="dW[2][1,2]"].highlight')
