package client

import (
	"strings"
	"testing"
)

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

func FuzzLines(f *testing.F) {
	f.Add([]byte(`{"t":"chg","seq":131,"ref":"17","changes":[]}` + "\n" + `{"t":"pong"}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		// However the bytes arrive, the same frames come out.
		whole, chunked := split(string(b), max(len(b), 1)), split(string(b), 5)
		if strings.Join(whole, "\n") != strings.Join(chunked, "\n") {
			t.Errorf("whole %q, in chunks of 5 %q", whole, chunked)
		}
	})
}
