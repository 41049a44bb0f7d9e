#!/usr/bin/env python3
"""Drives a real headless Chromium through a signing session page (issue 22) over the DevTools protocol, as a person
would: open the page, choose the key storage, press "Sign with NCALayer", wait until the page says signed.

usage: chromium_session.py CHROMIUM URL [--timeout 90] [--screenshot FILE] [--width 1000 --height 1600]

Chromium is told to accept the simulated NCALayer's self-signed certificate (--ignore-certificate-errors), as a real
browser trusts NCALayer's once it is installed. Prints one JSON object: the page's final `data-state`, the status text,
the NCALayer message line, console errors and CSP violations; exits 0 when the page was driven (the caller judges).
"""
import argparse
import asyncio
import base64
import json
import os
import shutil
import subprocess
import tempfile
import time
import urllib.request

import websockets


class Page:
    def __init__(self, connection):
        self.connection = connection
        self.next_id = 0
        self.events = []

    async def call(self, method, **params):
        self.next_id += 1
        ident = self.next_id
        await self.connection.send(json.dumps({"id": ident, "method": method, "params": params}))
        while True:
            message = json.loads(await self.connection.recv())
            if message.get("id") == ident:
                if "error" in message:
                    raise RuntimeError(f"{method}: {message['error']}")
                return message.get("result", {})
            self.events.append(message)

    async def evaluate(self, expression):
        result = await self.call("Runtime.evaluate", expression=expression, returnByValue=True, awaitPromise=True)
        return result.get("result", {}).get("value")


async def drive(arguments, port):
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list", timeout=10) as response:
        target = next(t for t in json.loads(response.read()) if t.get("type") == "page")
    async with websockets.connect(target["webSocketDebuggerUrl"], max_size=64 << 20) as connection:
        page = Page(connection)
        await page.call("Runtime.enable")
        await page.call("Log.enable")
        await page.call("Emulation.setDeviceMetricsOverride", width=arguments.width, height=arguments.height,
                        deviceScaleFactor=1, mobile=False)
        await page.call("Page.enable")
        await page.call("Page.navigate", url=arguments.url)
        deadline = time.monotonic() + arguments.timeout
        while time.monotonic() < deadline and not await page.evaluate(
                "document.readyState === 'complete' && !!document.getElementById('signing')"):
            await asyncio.sleep(0.2)
        initial = await page.evaluate("document.getElementById('signing').getAttribute('data-state')")
        if arguments.screenshot_before:
            shot = await page.call("Page.captureScreenshot", format="png", captureBeyondViewport=True)
            open(arguments.screenshot_before, "wb").write(base64.b64decode(shot["data"]))
        await page.evaluate("document.getElementById('ncalayer-storage').value = 'PKCS12'; "
                            "document.getElementById('ncalayer-sign').click(); true")
        state = initial
        # Done when the page leaves "waiting", or says NCALayer failed or the vault refused (the script's own words).
        failed = await page.evaluate(
            "['unreachable', 'rejected', 'aborted'].map(k => document.getElementById('signing').getAttribute('data-text-' + k))")
        failed_at = None
        while time.monotonic() < deadline:
            state = await page.evaluate("document.getElementById('signing').getAttribute('data-state')")
            message = await page.evaluate("(document.getElementById('ncalayer-message') || {}).textContent || ''")
            if state != "waiting":
                break
            if failed_at is None and any(message.startswith(text) for text in failed if text):
                failed_at = time.monotonic()
            # After a failure the page polls the session: give it a few seconds to show the session's new state.
            if failed_at is not None and time.monotonic() - failed_at > 6:
                break
            await asyncio.sleep(0.3)
        result = {
            "initialState": initial,
            "state": state,
            "statusText": await page.evaluate("document.getElementById('state-text').textContent"),
            "ncalayerMessage": await page.evaluate("(document.getElementById('ncalayer-message') || {}).textContent || ''"),
        }
        if arguments.screenshot:
            shot = await page.call("Page.captureScreenshot", format="png", captureBeyondViewport=True)
            open(arguments.screenshot, "wb").write(base64.b64decode(shot["data"]))
        await page.call("Runtime.evaluate", expression="1")
        result["console"] = [
            e["params"]["entry"]["text"] for e in page.events
            if e.get("method") == "Log.entryAdded" and e["params"]["entry"].get("level") == "error"]
        result["cspViolations"] = [text for text in result["console"] if "Content Security Policy" in text]
        return result


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("chromium")
    parser.add_argument("url")
    parser.add_argument("--timeout", type=float, default=90)
    parser.add_argument("--screenshot")
    parser.add_argument("--screenshot-before")
    parser.add_argument("--width", type=int, default=1000)
    parser.add_argument("--height", type=int, default=1600)
    arguments = parser.parse_args()
    profile = tempfile.mkdtemp(prefix="edsvault-chromium-")
    browser = subprocess.Popen(
        [arguments.chromium, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--no-first-run",
         "--ignore-certificate-errors", "--remote-debugging-port=0", "--remote-debugging-address=127.0.0.1",
         f"--user-data-dir={profile}", "about:blank"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        active = os.path.join(profile, "DevToolsActivePort")
        deadline = time.monotonic() + 60
        while not (os.path.exists(active) and open(active).read().strip()) and time.monotonic() < deadline:
            time.sleep(0.1)
        port = int(open(active).read().split("\n")[0])
        print(json.dumps(asyncio.run(drive(arguments, port)), ensure_ascii=False))
    finally:
        browser.kill()
        browser.wait()
        shutil.rmtree(profile, ignore_errors=True)


if __name__ == "__main__":
    main()
