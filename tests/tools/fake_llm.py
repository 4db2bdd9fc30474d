#!/usr/bin/env python3
"""A stand-in OpenAI-compatible chat completions server on loopback for the
integration tests, in the shapes of OpenAI's API reference.

    fake_llm.py PORT [--key KEY]

PORT 0 takes any free port; the first line printed is
"fake_llm: listening on 127.0.0.1:PORT".  Needs aiohttp (Debian's
python3-aiohttp: run it with /usr/bin/python3).

The API (base URL http://127.0.0.1:PORT/v1):

    POST /v1/chat/completions   {model, messages: [{role, content}], response_format?}
        content is a string or a list of parts {type: text, text} and
        {type: image_url, image_url: {url}} (url a data: URL here).
        With --key, Authorization must be "Bearer KEY", else 401 with
        OpenAI's error shape (its message quotes part of the key, as OpenAI's
        does).  No model or no messages: 400.  Otherwise the next scripted
        reply, else {"choices": [{"message": {"content": "ok"}}]}.
        Answers carry id, object, created, model, choices[0] {index, message
        {role, content}, finish_reason} and usage {prompt_tokens,
        completion_tokens, total_tokens}.

And a stand-in person-identification service (Hearth's wire shape,
lib/net/person_id.h), base URL http://127.0.0.1:PORT/pid:

    POST /pid/identify          {images: [{name, data}], confidence_threshold,
                                person_ids, include_annotated_image} -> the next
                                scripted answer, else {"detections": []};
                                images must be non-empty base64, else 400

Test controls:

    POST /_control/script   [reply, ...] appended to the script; a reply is
                            {"content": text} (a normal answer), {"status": N}
                            (that status with an error body), {"delay": s}
                            (wait first; combines with the others), {"raw": text}
                            (that body as is, status 200), {"refusal": text}
    POST /_control/identify [answer, ...] for /pid/identify: a JSON body to
                            answer with, or {"status": N} for that status
    POST /_control/reset    forget the script and the requests
    GET  /_requests         the requests so far: [{path, headers, body}]
"""
import argparse
import asyncio
import base64
import json
import sys
import time

from aiohttp import web

STATE = {"script": [], "requests": [], "identify": []}


def answer(model, content=None, refusal=None):
    msg = {"role": "assistant", "content": content}
    if refusal is not None:
        msg["refusal"] = refusal
    prompt = 17
    completion = len((content or "").split()) + 1
    return {
        "id": "chatcmpl-fake%d" % len(STATE["requests"]),
        "object": "chat.completion",
        "created": int(time.time()),
        "model": model,
        "choices": [{"index": 0, "message": msg, "finish_reason": "stop"}],
        "usage": {"prompt_tokens": prompt, "completion_tokens": completion,
                  "total_tokens": prompt + completion},
    }


def error(status, message, code=None):
    return web.json_response({"error": {"message": message, "type": "invalid_request_error",
                                        "param": None, "code": code}}, status=status)


async def chat(request):
    raw = await request.read()
    try:
        body = json.loads(raw)
    except ValueError:
        body = None
    STATE["requests"].append({"path": request.path, "headers": {k.lower(): v for k, v in request.headers.items()},
                              "body": body})
    key = request.app["key"]
    if key and request.headers.get("Authorization") != "Bearer " + key:
        got = request.headers.get("Authorization", "")[7:]
        return error(401, "Incorrect API key provided: %s...%s." % (got[:3], got[-4:]),
                     "invalid_api_key")
    if not isinstance(body, dict) or not body.get("model") or not body.get("messages"):
        return error(400, "model and messages are required")
    reply = STATE["script"].pop(0) if STATE["script"] else {"content": "ok"}
    if reply.get("delay"):
        await asyncio.sleep(reply["delay"])
    if "status" in reply:
        return error(reply["status"], "The server had an error while processing your request.")
    if "raw" in reply:
        return web.Response(text=reply["raw"], content_type="application/json")
    if "refusal" in reply:
        return web.json_response(answer(body["model"], None, reply["refusal"]))
    return web.json_response(answer(body["model"], reply.get("content", "ok")))


async def identify(request):
    raw = await request.read()
    try:
        body = json.loads(raw)
    except ValueError:
        body = None
    STATE["requests"].append({"path": request.path, "headers": {k.lower(): v for k, v in request.headers.items()},
                              "body": body})
    images = body.get("images") if isinstance(body, dict) else None
    if not images or not all(isinstance(i, dict) and i.get("data") for i in images):
        return web.json_response({"detail": "images required"}, status=400)
    try:
        for i in images:
            base64.b64decode(i["data"], validate=True)
    except ValueError:
        return web.json_response({"detail": "images must be base64"}, status=400)
    reply = STATE["identify"].pop(0) if STATE["identify"] else {"detections": []}
    if "status" in reply:
        return web.json_response({"detail": "failed"}, status=reply["status"])
    return web.json_response(reply)


async def script_identify(request):
    STATE["identify"].extend(await request.json())
    return web.json_response({"queued": len(STATE["identify"])})


async def script(request):
    STATE["script"].extend(await request.json())
    return web.json_response({"queued": len(STATE["script"])})


async def reset(request):
    STATE["script"].clear()
    STATE["identify"].clear()
    STATE["requests"].clear()
    return web.json_response({})


async def requests(request):
    return web.json_response(STATE["requests"])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("port", type=int)
    ap.add_argument("--key", default="")
    args = ap.parse_args()
    app = web.Application(client_max_size=64 * 1024 * 1024)
    app["key"] = args.key
    app.router.add_post("/v1/chat/completions", chat)
    app.router.add_post("/pid/identify", identify)
    app.router.add_post("/_control/script", script)
    app.router.add_post("/_control/identify", script_identify)
    app.router.add_post("/_control/reset", reset)
    app.router.add_get("/_requests", requests)

    async def start():
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", args.port)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]
        print("fake_llm: listening on 127.0.0.1:%d" % port, flush=True)
        await asyncio.Event().wait()

    try:
        asyncio.run(start())
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
