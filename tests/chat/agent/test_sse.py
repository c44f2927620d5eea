"""sse.Events: server-sent events framed from bytes however the reads cut them. Pure."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from chat.agent.sse import Events


def framed(*reads: bytes) -> list[bytes]:
    events = Events()
    return [data for chunk in reads for data in events.feed(chunk)]


def test_each_blank_line_ends_an_event_and_its_data_comes_out_whole():
    assert framed(b'data: {"a": 1}\n\ndata: [DONE]\n\n') == [b'{"a": 1}', b"[DONE]"]


def test_lines_may_end_in_lf_crlf_or_cr_even_cut_between_cr_and_lf():
    assert framed(b"data: a\r\n\r\ndata: b\r\r") == [b"a", b"b"]
    assert framed(b"data: a\r", b"\n\r", b"\ndata: b\r", b"\n", b"\r\n") == [b"a", b"b"]
    assert framed(b"data: a\r", b"\n", b"\n", b"data: b\n", b"", b"\n") == [b"a", b"b"]


def test_data_lines_of_one_event_are_joined_with_newlines():
    assert framed(b"data: {\ndata:  1}\ndata\n\n") == [b"{\n 1}\n"]


def test_comments_names_ids_and_retries_are_skipped():
    stream = b": keep-alive\n\nevent: message\nid: 7\nretry: 10\ndata: x\n\n: ping\n\n"
    assert framed(stream) == [b"x"]


def test_an_event_without_data_or_cut_off_before_its_blank_line_is_no_event():
    assert framed(b"event: ping\n\n", b"data: unfinished\n") == []


def test_a_character_cut_in_two_by_the_network_is_whole_again():
    body = 'data: {"content": "你好 👋🏽"}\n\n'.encode()
    cut = body.index("👋".encode()) + 2
    assert framed(body[:cut], body[cut:]) == [body[6:-2]]


STREAM = (
    b': OPENROUTER PROCESSING\r\n\r\nevent: message\r\ndata: {"x":\r\ndata: 1}\r\n\r\n'
    b"data: \xe4\xbd\xa0\xf0\x9f\x91\x8b\r\rid: 3\ndata: y\r\n\ndata: [DONE]\n\n"
)


@given(st.lists(st.integers(0, len(STREAM)), max_size=30))
def test_wherever_the_reads_cut_the_stream_the_events_are_the_same(cuts):
    bounds = [0, *sorted(cuts), len(STREAM)]
    reads = [STREAM[a:b] for a, b in zip(bounds, bounds[1:], strict=False)]
    assert framed(*reads) == [b'{"x":\n1}', "你👋".encode(), b"y", b"[DONE]"]
