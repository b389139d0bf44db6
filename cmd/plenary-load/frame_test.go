package main

import (
	"strings"
	"testing"
)

func TestParseHeader(t *testing.T) {
	for _, c := range []struct {
		frame, t, ref, code, you string
		seq                      uint64
	}{
		{frame: `{"t":"chg","seq":131,"ref":"17","by":"p4","at":"2026-11-28T10:00:01Z","changes":[{"e":"note","id":"n131","v":{"ref":"x"}}]}`, t: "chg", seq: 131, ref: "17"},
		{frame: `{"t":"chg","seq":132,"by":"p4","changes":[]}`, t: "chg", seq: 132},
		{frame: `{"t":"err","ref":"c17","code":"vote_budget","msg":"you have used all 3 \"votes\""}`, t: "err", ref: "c17", code: "vote_budget"},
		{frame: `{"t":"welcome","board":"K7P2QX","you":"p4","token":"abc.def","facilitator":false}`, t: "welcome", you: "p4"},
		{frame: `{"t":"snap","seq":130,"changes":[{"e":"board"}]}`, t: "snap", seq: 130},
		{frame: ` { "t" : "eph" , "from":"p4","kind":"drag","x":0.42}`, t: "eph"},
		{frame: `{"t":"presence","online":["p1","p4"]}`, t: "presence"},
		// A head cut mid-number keeps nothing of the number.
		{frame: `{"t":"chg","seq":13`, t: "chg"},
		{frame: `{"t":"ch`},
		{frame: `not json`},
		{frame: ``},
	} {
		h := parseHeader([]byte(c.frame))
		if string(h.t) != c.t || h.seq != c.seq || string(h.ref) != c.ref || string(h.code) != c.code || string(h.you) != c.you {
			t.Errorf("parseHeader(%s) = t %q seq %d ref %q code %q you %q", c.frame, h.t, h.seq, h.ref, h.code, h.you)
		}
	}
}

// split feeds message through lines in chunks of size and returns each
// frame's head.
func split(message string, size int) []string {
	var l lines
	var heads []string
	for i := 0; i < len(message); i += size {
		for p := []byte(message[i:min(i+size, len(message))]); len(p) > 0; {
			var head []byte
			var ok bool
			if head, p, ok = l.next(p); ok {
				heads = append(heads, string(head))
			}
		}
	}
	if head, ok := l.end(); ok {
		heads = append(heads, string(head))
	}
	return heads
}

func TestLines(t *testing.T) {
	long := `{"t":"snap","seq":9,"changes":[` + strings.Repeat(`{"e":"note"},`, 100) + `{}]}`
	message := `{"t":"chg","seq":1}` + "\n" + long + "\n\n" + `{"t":"chg","seq":2}`
	want := []string{`{"t":"chg","seq":1}`, long[:headerCap], `{"t":"chg","seq":2}`}
	for _, size := range []int{1, 7, 64, 255, 256, 257, len(message)} {
		got := split(message, size)
		if strings.Join(got, "|") != strings.Join(want, "|") {
			t.Errorf("chunks of %d: heads\n%q\nwant\n%q", size, got, want)
		}
	}
}

func FuzzParseHeader(f *testing.F) {
	f.Add([]byte(`{"t":"chg","seq":131,"ref":"17","changes":[]}`))
	f.Add([]byte(`{"t":"err","ref":"c\"17","code":"x"}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		parseHeader(b)
		// However the bytes arrive, the same frames come out.
		whole, chunked := split(string(b), max(len(b), 1)), split(string(b), 5)
		if strings.Join(whole, "\n") != strings.Join(chunked, "\n") {
			t.Errorf("whole %q, in chunks of 5 %q", whole, chunked)
		}
	})
}
