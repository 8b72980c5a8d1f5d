"""The HTTP floor of this stack: FastAPI on uvicorn (as Sluice is served) answering every POST with a fixed
SendMessage response. What no SQS server on this stack can beat; run: ``python bench/floor.py PORT``."""

from __future__ import annotations

import os
import sys

import uvicorn
from fastapi import FastAPI, Request, Response

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from common import FLOOR_SEND_RESPONSE, JSON_1_0  # noqa: E402

app = FastAPI()
BODY = FLOOR_SEND_RESPONSE.encode()


@app.get("/health")
async def health() -> dict:
    return {"status": "ok"}


@app.post("/{path:path}")
async def send_message(request: Request, path: str) -> Response:
    await request.body()  # read the request, as a real server must
    return Response(BODY, media_type=JSON_1_0, headers={"x-amzn-RequestId": "00000000-0000-0000-0000-000000000000"})


if __name__ == "__main__":
    uvicorn.run(app, host="127.0.0.1", port=int(sys.argv[1]), log_level="warning", access_log=False,
                loop="auto", http="auto")
