package hub

import (
	"bytes"
	"encoding/json"
	"fmt"
	"log/slog"
	"math"
	"time"

	"github.com/plenary/plenary/board"
)

// ProtocolVersion is the "v" a hello must carry. It changes only when an
// old client could no longer understand the frames.
const ProtocolVersion = 1

// inbound is every frame a client may send, decoded in one step; the type
// field t says which fields matter. Unknown fields are refused so that a
// misspelt field is an error the client sees, not a silent no-op.
type inbound struct {
	T string `json:"t"`

	// hello
	V     int    `json:"v"`
	Board string `json:"board"`
	Token string `json:"token"`
	Join  *join  `json:"join"`
	Since uint64 `json:"since"`
	Epoch string `json:"epoch"` // of since
	// View "presenter" asks for the board as participants see it, read
	// only: a screen the room watches shows nothing a participant may not
	// see, whoever's token opened it.
	View string `json:"view"`

	// op
	ID string    `json:"id"`
	Op *board.Op `json:"op"`

	// eph
	Kind  string   `json:"kind"`
	Note  string   `json:"note"`
	Theme string   `json:"theme"`
	Chart string   `json:"chart"`
	X     *float64 `json:"x"`
	Y     *float64 `json:"y"`
}

type join struct {
	Name     string     `json:"name"`
	Role     board.Role `json:"role"`
	Passcode string     `json:"passcode"`
}

// presenterView is the hello's view for a read-only screen of the board
// as participants see it.
const presenterView = "presenter"

// maxRefLen bounds the client's op id, which is echoed back and logged.
const maxRefLen = 64

// decodeFrame parses one client frame and checks what can be checked
// without the board: types, sizes, required fields.
func decodeFrame(data []byte) (*inbound, *board.Error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var f inbound
	if err := dec.Decode(&f); err != nil {
		return nil, &board.Error{Code: CodeBadFrame, Message: fmt.Sprintf("cannot read frame: %v", err)}
	}
	if dec.More() {
		return nil, &board.Error{Code: CodeBadFrame, Message: "one JSON object per frame"}
	}
	switch f.T {
	case "hello":
		if f.V != ProtocolVersion {
			return nil, &board.Error{Code: CodeBadHello, Message: fmt.Sprintf("protocol version %d is not spoken here; use %d", f.V, ProtocolVersion)}
		}
		if f.Board == "" || (f.Token == "") == (f.Join == nil) {
			return nil, &board.Error{Code: CodeBadHello, Message: "hello needs a board and either a token or a join"}
		}
		if f.View != "" && (f.View != presenterView || f.Token == "") {
			return nil, &board.Error{Code: CodeBadHello, Message: `view is "presenter", with a token, or absent`}
		}
	case "op":
		if f.Op == nil || f.ID == "" || len(f.ID) > maxRefLen {
			return nil, &board.Error{Code: CodeBadFrame, Message: fmt.Sprintf("op needs an id of 1 to %d characters and an op", maxRefLen)}
		}
	case "eph":
		if err := checkEphemeral(&f); err != nil {
			return nil, err
		}
	case "ping":
	default:
		return nil, &board.Error{Code: CodeBadFrame, Message: fmt.Sprintf("unknown frame type %q", f.T)}
	}
	return &f, nil
}

// maxEphemeralID bounds the ids an ephemeral frame carries; they are only
// passed on, never looked up, so a bound is all they need.
const maxEphemeralID = 32

func checkEphemeral(f *inbound) *board.Error {
	switch f.Kind {
	case "drag", "cursor", "typing":
	default:
		return &board.Error{Code: CodeBadFrame, Message: fmt.Sprintf("unknown ephemeral kind %q", f.Kind)}
	}
	if len(f.Note) > maxEphemeralID || len(f.Theme) > maxEphemeralID || len(f.Chart) > maxEphemeralID {
		return &board.Error{Code: CodeBadFrame, Message: "ephemeral ids are at most 32 characters"}
	}
	for _, v := range []*float64{f.X, f.Y} {
		if v != nil && (math.IsNaN(*v) || *v < -1 || *v > 2) {
			return &board.Error{Code: CodeBadFrame, Message: "positions are fractions of the chart"}
		}
	}
	return nil
}

// The frames the server sends. Each is encoded once and the same bytes go
// to every client that may see it.

type welcomeFrame struct {
	T           string    `json:"t"`
	Board       string    `json:"board"`
	You         string    `json:"you"`
	Token       string    `json:"token"`
	Facilitator bool      `json:"facilitator"`
	Now         time.Time `json:"now"`
}

type changeFrame struct {
	T       string         `json:"t"`
	Seq     uint64         `json:"seq"`
	Ref     string         `json:"ref,omitempty"`
	By      string         `json:"by,omitempty"`
	At      time.Time      `json:"at"`
	Changes []board.Change `json:"changes"`
}

type errFrame struct {
	T    string `json:"t"`
	Ref  string `json:"ref,omitempty"`
	Code string `json:"code"`
	Msg  string `json:"msg"`
}

type ephFrame struct {
	T     string   `json:"t"`
	From  string   `json:"from"`
	Kind  string   `json:"kind"`
	Note  string   `json:"note,omitempty"`
	Theme string   `json:"theme,omitempty"`
	Chart string   `json:"chart,omitempty"`
	X     *float64 `json:"x,omitempty"`
	Y     *float64 `json:"y,omitempty"`
}

// presenceFrame is everyone online, sent once when a session starts;
// presenceChangeFrame is who came and who left after that.
type presenceFrame struct {
	T      string   `json:"t"`
	Online []string `json:"online"`
}

type presenceChangeFrame struct {
	T    string   `json:"t"`
	Came []string `json:"came,omitempty"`
	Left []string `json:"left,omitempty"`
}

// pong answers a ping, through the session's queue like any frame: a
// client that hears it knows its link to the server carries frames.
var pong = []byte(`{"t":"pong"}`)

// encode marshals a frame the server built itself. A failure is a bug, so
// it is logged and the client gets an internal error rather than the
// server going down.
func encode(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		slog.Error("encode frame", "type", fmt.Sprintf("%T", v), "err", err)
		return []byte(`{"t":"err","code":"internal","msg":"the server could not encode a frame"}`)
	}
	return b
}

func errorBytes(ref string, e *board.Error) []byte {
	return encode(errFrame{T: "err", Ref: ref, Code: e.Code, Msg: e.Message})
}

// Codes the hub refuses with, beside board's.
const (
	CodeBadFrame    = "bad_frame"
	CodeBadHello    = "bad_hello"
	CodeBadToken    = "bad_token"
	CodeBadPasscode = "bad_passcode"
	CodeNoBoard     = "no_board"
	CodeRateLimited = "rate_limited"
	CodeReadOnly    = "read_only"
	CodeUnavailable = "unavailable"
	// CodeUnknownOutcome says an op may or may not have been applied:
	// the store did not answer in time. Sent again with the same id, the
	// op is applied at most once and answered as it was the first time.
	CodeUnknownOutcome = "unknown_outcome"
	CodeInternal       = "internal"
)
