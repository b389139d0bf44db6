package protocol

import "testing"

// FuzzDecodeClient: no frame a client can send makes the decoder panic, and
// whatever it accepts is a frame the session knows how to handle.
func FuzzDecodeClient(f *testing.F) {
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
		frame, bad := DecodeClient(data)
		if (frame == nil) == (bad == nil) {
			t.Fatalf("DecodeClient(%q) = %v, %v: want exactly one", data, frame, bad)
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
			if frame.Op == nil || frame.ID == "" || len(frame.ID) > MaxOpID {
				t.Fatalf("accepted an op without op or id: %q", data)
			}
		case "eph":
		default:
			t.Fatalf("accepted frame type %q", frame.T)
		}
	})
}
