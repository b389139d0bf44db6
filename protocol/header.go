package protocol

// Header is what a client that keeps no replica needs of a server frame:
// the top-level strings, numbers and booleans that come before the
// frame's first object or array. The server encodes every frame with
// those fields first (see the declarations in server.go), so the body,
// which may be a whole board, need not be read at all. The byte slices
// point into the frame and are valid as long as it is.
type Header struct {
	T, Ref, Code, Msg, Board, You, Token, Epoch []byte
	Seq                                         uint64
	Facilitator                                 bool
}

// ParseHeader reads the header of a frame, or of as much of its start as
// b holds: a value cut off by the end of b is left out.
func ParseHeader(b []byte) Header {
	var h Header
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
			h.setString(key, val)
			i = end
		case c >= '0' && c <= '9':
			n, end := Number(b, i)
			if end == len(b) {
				return h // the number may go on past the head
			}
			if string(key) == "seq" {
				h.Seq = n
			}
			i = end
		case c == 't' && hasAt(b, i, "true"):
			if string(key) == "facilitator" {
				h.Facilitator = true
			}
			i += len("true")
		case c == 'f' && hasAt(b, i, "false"):
			i += len("false")
		default:
			return h // an object, array or null: the body begins
		}
		i = skipSpace(b, i)
		if i >= len(b) || b[i] != ',' {
			return h
		}
		i++
	}
}

func (h *Header) setString(key, val []byte) {
	switch string(key) {
	case "t":
		h.T = val
	case "ref":
		h.Ref = val
	case "code":
		h.Code = val
	case "msg":
		h.Msg = val
	case "board":
		h.Board = val
	case "you":
		h.You = val
	case "token":
		h.Token = val
	case "epoch":
		h.Epoch = val
	}
}

func hasAt(b []byte, i int, word string) bool {
	return len(b)-i > len(word) && string(b[i:i+len(word)]) == word
}

func skipSpace(b []byte, i int) int {
	for i < len(b) && (b[i] == ' ' || b[i] == '\t' || b[i] == '\r' || b[i] == '\n') {
		i++
	}
	return i
}

// quoted reads the JSON string at b[i] and returns its raw contents
// (escapes are left as they are: the fields read here never hold any but
// msg's) and the index after its closing quote.
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

// Number reads the unsigned decimal integer at b[i] and returns it and
// the index after its last digit.
func Number(b []byte, i int) (n uint64, end int) {
	for ; i < len(b) && b[i] >= '0' && b[i] <= '9'; i++ {
		n = n*10 + uint64(b[i]-'0')
	}
	return n, i
}
