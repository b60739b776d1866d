"""The box's own microphone with a talk button: sounddevice stream + push-to-talk + the service.

Whoever owns the talk button (a GPIO button, or a tablet paired with the box's microphone)
calls ``press(requested_by)`` and ``release()``; the draft arrives through the event log.
"""

from __future__ import annotations

import logging

from voice.capture import Device, MicrophoneError, PushToTalk, find_input_device, open_microphone
from edge.observability.health import Check
from voice.service import VoiceService

log = logging.getLogger(__name__)


class MicrophoneListener:
    def __init__(self, service: VoiceService, device_name: str | None, *, open_stream=open_microphone,
                 find_device=find_input_device):
        self.service, self.device_name = service, device_name
        self.open_stream, self.find_device = open_stream, find_device
        self.device: Device | None = None
        self.error: str | None = None
        self._stream = None
        self._talk: PushToTalk | None = None
        self._requested_by: dict | None = None

    def start(self) -> "MicrophoneListener":
        try:
            self.device = self.find_device(self.device_name)
            self._talk = PushToTalk(self.service.recognizer, samplerate=self.device.samplerate,
                                    grammar=self.service.grammar_json, on_result=self._on_result)
            self._stream = self.open_stream(self.device, self._talk.callback)
            self._stream.start()
            log.info("voice: listening on %s at %d Hz", self.device.name, self.device.samplerate)
        except MicrophoneError as error:
            self.error = str(error)
            log.warning("voice: %s", error)
        return self

    def press(self, requested_by: dict | None = None) -> None:
        if self._talk is not None:
            self._requested_by = requested_by
            self._talk.press()
            self.service.announce_listening(requested_by, listening=True)  # the tablet shows "listening..."

    def release(self) -> None:
        if self._talk is not None:  # announced first: the draft always follows "stopped listening"
            self.service.announce_listening(self._requested_by, listening=False)
            self._talk.release()

    def health(self) -> Check:
        if self.error is not None:
            return Check("degraded", f"microphone: {self.error}")
        return Check("ok", f"microphone {self.device.name} at {self.device.samplerate} Hz")

    def close(self) -> None:
        if self._stream is not None:
            self._stream.close()
        if self._talk is not None:
            self._talk.close()

    def _on_result(self, capture) -> None:
        self.service.on_capture(capture, requested_by=self._requested_by)
