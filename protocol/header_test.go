package protocol

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/plenary/plenary/board"
)

func TestParseHeader(t *testing.T) {
	for _, c := range []struct {
		frame, t, ref, code, you string
		seq                      uint64
		facilitator              bool
	}{
		{frame: `{"t":"chg","seq":131,"ref":"17","by":"p4","at":"2026-11-28T10:00:01Z","changes":[{"e":"note","id":"n131","v":{"ref":"x"}}]}`, t: "chg", seq: 131, ref: "17"},
		{frame: `{"t":"chg","seq":132,"by":"p4","changes":[]}`, t: "chg", seq: 132},
		{frame: `{"t":"err","ref":"c17","code":"vote_budget","msg":"you have used all 3 \"votes\""}`, t: "err", ref: "c17", code: "vote_budget"},
		{frame: `{"t":"welcome","board":"K7P2QX","you":"p4","token":"abc.def","facilitator":true,"now":"x"}`, t: "welcome", you: "p4", facilitator: true},
		{frame: `{"t":"welcome","board":"K7P2QX","you":"p4","token":"abc.def","facilitator":false}`, t: "welcome", you: "p4"},
		{frame: `{"t":"snap","seq":130,"changes":[{"e":"board"}]}`, t: "snap", seq: 130},
		{frame: ` { "t" : "eph" , "from":"p4","kind":"drag","x":0.42}`, t: "eph"},
		{frame: `{"t":"presence","online":["p1","p4"]}`, t: "presence"},
		// A head cut mid-value keeps nothing of the value.
		{frame: `{"t":"chg","seq":13`, t: "chg"},
		{frame: `{"t":"welcome","facilitator":true`, t: "welcome"},
		{frame: `{"t":"ch`},
		{frame: `not json`},
		{frame: ``},
	} {
		h := ParseHeader([]byte(c.frame))
		if string(h.T) != c.t || h.Seq != c.seq || string(h.Ref) != c.ref || string(h.Code) != c.code || string(h.You) != c.you || h.Facilitator != c.facilitator {
			t.Errorf("ParseHeader(%s) = %+v", c.frame, h)
		}
	}
}

// TestHeaderBeforeBody: every server frame, encoded from its declaration,
// gives its header fields to ParseHeader, so no field the header needs
// may come after a body.
func TestHeaderBeforeBody(t *testing.T) {
	x := 0.5
	at := time.Date(2026, 11, 28, 10, 0, 1, 0, time.UTC)
	changes := []board.Change{{Entity: "note", ID: "n1", Value: map[string]string{"text": "hi"}}}
	for _, c := range []struct {
		frame any
		want  Header
	}{
		{Welcome{T: "welcome", Board: "K7P2QX", You: "p4", Token: "tok", Facilitator: true, Now: at},
			Header{T: []byte("welcome"), Board: []byte("K7P2QX"), You: []byte("p4"), Token: []byte("tok"), Facilitator: true}},
		{Chg[board.Change]{T: "chg", Seq: 131, Ref: "c17", By: "p4", At: at, Changes: changes},
			Header{T: []byte("chg"), Seq: 131, Ref: []byte("c17")}},
		{Snap[board.Change]{T: "snap", Seq: 130, Epoch: "e1", Changes: changes},
			Header{T: []byte("snap"), Seq: 130, Epoch: []byte("e1")}},
		{Err{T: "err", Ref: "c17", Code: "vote_budget", Msg: "no"},
			Header{T: []byte("err"), Ref: []byte("c17"), Code: []byte("vote_budget"), Msg: []byte("no")}},
		{Eph{T: "eph", From: "p4", Kind: "drag", Note: "n1", X: &x, Y: &x}, Header{T: []byte("eph")}},
		{Presence{T: "presence", Online: []string{"p1"}}, Header{T: []byte("presence")}},
		{PresenceChange{T: "presence", Came: []string{"p1"}}, Header{T: []byte("presence")}},
		{Pong{T: "pong"}, Header{T: []byte("pong")}},
	} {
		b, err := json.Marshal(c.frame)
		if err != nil {
			t.Fatal(err)
		}
		got := ParseHeader(b)
		if gj, wj := headerJSON(got), headerJSON(c.want); gj != wj {
			t.Errorf("%s: header %s, want %s", b, gj, wj)
		}
	}
}

func headerJSON(h Header) string {
	b, _ := json.Marshal(map[string]any{"t": string(h.T), "ref": string(h.Ref), "code": string(h.Code), "msg": string(h.Msg),
		"board": string(h.Board), "you": string(h.You), "token": string(h.Token), "epoch": string(h.Epoch), "seq": h.Seq, "facilitator": h.Facilitator})
	return string(b)
}

// TestEntityIsChange: Entity reads what board.Change writes, field for
// field, so a client's decoding cannot drift from the server's encoding.
func TestEntityIsChange(t *testing.T) {
	for _, c := range []board.Change{
		{Entity: "note", ID: "n1", Value: map[string]any{"text": "hi", "x": 0.5}},
		{Entity: "note", ID: "n2", Deleted: true},
	} {
		b, _ := json.Marshal(c)
		var e Entity
		if err := Strict(b, &e); err != nil {
			t.Fatalf("%s: %v", b, err)
		}
		again, _ := json.Marshal(e)
		if string(again) != string(b) {
			t.Errorf("board.Change %s read as Entity and written again: %s", b, again)
		}
	}
}

func FuzzParseHeader(f *testing.F) {
	f.Add([]byte(`{"t":"chg","seq":131,"ref":"17","changes":[]}`))
	f.Add([]byte(`{"t":"err","ref":"c\"17","code":"x"}`))
	f.Add([]byte(`{"t":"welcome","facilitator":true,"now":"x"}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		ParseHeader(b)
	})
}
