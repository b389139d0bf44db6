package hub

import (
	"testing"
	"time"

	"github.com/plenary/plenary/protocol"
)

// FuzzDecodeFrame: no frame a client can send makes the decoder panic, and
// whatever it accepts is a frame the session knows how to handle.
func FuzzDecodeFrame(f *testing.F) {
	for _, seed := range []string{
		`{"t":"hello","v":1,"board":"K7P2QX","token":"abc"}`,
		`{"t":"hello","v":1,"board":"K7P2QX","join":{"name":"Ana","role":"civil-society"}}`,
		`{"t":"op","id":"c1","op":{"kind":"note.add","chart":"g1","text":"hi","x":0.5,"y":0.5}}`,
		`{"t":"eph","kind":"drag","note":"n9","x":0.4,"y":0.1}`,
		`{"t":"op","id":"c1","op":{"kind":"vote.cast","item":"t3"}}`,
		`{}`, `[]`, `null`, `{"t":"op"}`,
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		frame, bad := decodeFrame(data)
		if (frame == nil) == (bad == nil) {
			t.Fatalf("decodeFrame(%q) = %v, %v: want exactly one", data, frame, bad)
		}
		if bad != nil {
			if bad.Code == "" || bad.Message == "" {
				t.Fatalf("refusal without code or message: %+v", bad)
			}
			return
		}
		switch frame.T {
		case "hello":
			if frame.Board == "" || (frame.Token == "") == (frame.Join == nil) {
				t.Fatalf("accepted a hello without board or identity: %q", data)
			}
		case "op":
			if frame.Op == nil || frame.ID == "" || len(frame.ID) > protocol.MaxOpID {
				t.Fatalf("accepted an op without op or id: %q", data)
			}
		case "eph":
		default:
			t.Fatalf("accepted frame type %q", frame.T)
		}
	})
}

func TestTokens(t *testing.T) {
	tk := tokens{secret: []byte("0123456789abcdef")}
	now := timeAt(0)
	tok := tk.issue("K7P2QX", "p4", now)
	if p, err := tk.open(tok, "K7P2QX", now); err != nil || p != "p4" {
		t.Fatalf("open own token: %q, %v", p, err)
	}
	cases := map[string]struct {
		token, board string
		at           int
	}{
		"another board": {tok, "ZZZZZZ", 0},
		"expired":       {tok, "K7P2QX", 31 * 24},
		"other secret":  {tokens{secret: []byte("fedcba9876543210")}.issue("K7P2QX", "p4", now), "K7P2QX", 0},
		"tampered":      {tok[:5] + "x" + tok[6:], "K7P2QX", 0},
		"no signature":  {"abc", "K7P2QX", 0},
		"garbage":       {"!!!.???", "K7P2QX", 0},
		"empty":         {"", "K7P2QX", 0},
		"absurdly long": {string(make([]byte, 1000)), "K7P2QX", 0},
	}
	for name, c := range cases {
		if p, err := tk.open(c.token, c.board, timeAt(c.at)); err == nil {
			t.Errorf("%s: token opened as %q", name, p)
		}
	}
}

func timeAt(hours int) time.Time {
	return time.Date(2026, 11, 28, 9, 0, 0, 0, time.UTC).Add(time.Duration(hours) * time.Hour)
}
