package protocol

import "testing"

// BenchmarkDecodeClient is what reading one op costs, for every op a
// client sends: here a note added, as the load generator sends it.
func BenchmarkDecodeClient(b *testing.B) {
	frame := []byte(`{"t":"op","id":"c123","op":{"kind":"note.add","chart":"g3","text":"Publish the data behind each decision, every quarter","x":0.4123,"y":0.6789}}`)
	b.ReportAllocs()
	for b.Loop() {
		if _, bad := DecodeClient(frame); bad != nil {
			b.Fatal(bad)
		}
	}
}
