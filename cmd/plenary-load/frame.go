package main

import "bytes"

// The load generator reads thousands of connections on one core, so it
// never decodes a frame: it keeps the first headerCap bytes of each line
// (one frame) and reads the few top-level fields that come before a
// frame's first object or array. The server encodes its frames with the
// small fields first ({"t":"chg","seq":131,"ref":"c17","by":…,"changes":[…]}),
// so the body, which may be a whole board, is skipped with IndexByte.

// headerCap is how much of a frame is kept: enough for a welcome's "you"
// and "token", a change's seq and ref, and a snap's seq and epoch.
const headerCap = 256

// header is what the load generator needs of a frame. The byte slices
// point into the line's buffer and are valid until the next line is read.
type header struct {
	t, ref, code, you, token, epoch []byte
	seq                             uint64
}

// lines splits a stream of websocket message bytes into frames (lines),
// keeping each frame's head. The zero value is ready; one reader goroutine
// owns it.
type lines struct {
	head [headerCap]byte
	n    int
	// given is set once the current frame's head has been handed out
	// (it filled up before the line ended); the rest of the line is
	// skipped.
	given bool
}

var newline = []byte{'\n'}

// next consumes p until it completes a frame's head. It returns that head
// (ok) and the bytes of p it has not consumed yet; call it again with rest
// until rest is empty.
func (l *lines) next(p []byte) (head, rest []byte, ok bool) {
	line, after, ended := bytes.Cut(p, newline)
	if l.given {
		if ended {
			l.given = false
		}
		return nil, after, false
	}
	l.n += copy(l.head[l.n:], line)
	switch {
	case ended:
		head, l.n = l.head[:l.n], 0
		return head, after, len(head) > 0
	case l.n == len(l.head):
		l.given, l.n = true, 0
		return l.head[:], nil, true
	}
	return nil, nil, false
}

// end finishes the message: a frame still being read is complete.
func (l *lines) end() (head []byte, ok bool) {
	head = l.head[:l.n]
	l.n, l.given = 0, false
	return head, len(head) > 0
}

// parseHeader reads the top-level string and number fields of a frame's
// head up to its first object or array value, or as far as the head goes:
// a value cut off by the end of the head is left out.
func parseHeader(b []byte) header {
	var h header
	i := skipSpace(b, 0)
	if i >= len(b) || b[i] != '{' {
		return h
	}
	i++
	for {
		i = skipSpace(b, i)
		key, end, ok := quoted(b, i)
		if !ok {
			return h
		}
		i = skipSpace(b, end)
		if i >= len(b) || b[i] != ':' {
			return h
		}
		i = skipSpace(b, i+1)
		if i >= len(b) {
			return h
		}
		switch c := b[i]; {
		case c == '"':
			val, end, ok := quoted(b, i)
			if !ok {
				return h
			}
			switch string(key) {
			case "t":
				h.t = val
			case "ref":
				h.ref = val
			case "code":
				h.code = val
			case "you":
				h.you = val
			case "token":
				h.token = val
			case "epoch":
				h.epoch = val
			}
			i = end
		case c >= '0' && c <= '9':
			n, end := number(b, i)
			if end == len(b) {
				return h // the number may go on past the head
			}
			if string(key) == "seq" {
				h.seq = n
			}
			i = end
		default:
			return h // an object, array or literal: the body begins
		}
		i = skipSpace(b, i)
		if i >= len(b) || b[i] != ',' {
			return h
		}
		i++
	}
}

func skipSpace(b []byte, i int) int {
	for i < len(b) && (b[i] == ' ' || b[i] == '\t' || b[i] == '\r' || b[i] == '\n') {
		i++
	}
	return i
}

// quoted reads the JSON string at b[i] and returns its raw contents
// (escapes are left as they are: the fields read here never hold any) and
// the index after its closing quote.
func quoted(b []byte, i int) (val []byte, end int, ok bool) {
	if i >= len(b) || b[i] != '"' {
		return nil, i, false
	}
	for j := i + 1; j < len(b); j++ {
		switch b[j] {
		case '\\':
			j++
		case '"':
			return b[i+1 : j], j + 1, true
		}
	}
	return nil, len(b), false
}

// number reads the unsigned integer at b[i].
func number(b []byte, i int) (n uint64, end int) {
	for ; i < len(b) && b[i] >= '0' && b[i] <= '9'; i++ {
		n = n*10 + uint64(b[i]-'0')
	}
	return n, i
}
