package protocol

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"

	"github.com/plenary/plenary/board"
)

// Strict decodes one frame into v as the server reads a client's: unknown
// fields and anything after the object are refused. Its errors read as a
// client is told them.
func Strict(data []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return fmt.Errorf("cannot read frame: %w", err)
	}
	if dec.More() {
		return errors.New("one JSON object per frame")
	}
	return nil
}

// DecodeServer decodes one frame the server sent, strictly, into its
// declared type: *Welcome, *Snap[Entity], *Chg[Entity], *Err, *Eph,
// *Presence or *PresenceChange (a presence frame with "online" is the
// whole list), or *Pong. A field the declarations lack is an error, so a
// client that decodes with it finds a server frame this package has not
// caught up with.
func DecodeServer(line []byte) (any, error) {
	var head struct {
		T      string          `json:"t"`
		Online json.RawMessage `json:"online"`
	}
	if err := json.Unmarshal(line, &head); err != nil {
		return nil, fmt.Errorf("cannot read frame: %w", err)
	}
	var v any
	switch head.T {
	case "welcome":
		v = &Welcome{}
	case "snap":
		v = &Snap[Entity]{}
	case "chg":
		v = &Chg[Entity]{}
	case "err":
		v = &Err{}
	case "eph":
		v = &Eph{}
	case "presence":
		if head.Online != nil {
			v = &Presence{}
		} else {
			v = &PresenceChange{}
		}
	case "pong":
		v = &Pong{}
	default:
		return nil, fmt.Errorf("unknown frame type %q", head.T)
	}
	return v, Strict(line, v)
}

// DecodeClient reads one client frame as the server does (Strict) and
// checks what can be checked without the board: types, sizes, required
// fields. A refusal is what the client is answered.
func DecodeClient(data []byte) (*ClientFrame, *board.Error) {
	var f ClientFrame
	if err := Strict(data, &f); err != nil {
		return nil, &board.Error{Code: CodeBadFrame, Message: err.Error()}
	}
	switch f.T {
	case "hello":
		if f.V != Version {
			return nil, &board.Error{Code: CodeBadHello, Message: fmt.Sprintf("protocol version %d is not spoken here; use %d", f.V, Version)}
		}
		if f.Board == "" || (f.Token == "") == (f.Join == nil) {
			return nil, &board.Error{Code: CodeBadHello, Message: "hello needs a board and either a token or a join"}
		}
		if f.View != "" && (f.View != ViewPresenter || f.Token == "") {
			return nil, &board.Error{Code: CodeBadHello, Message: `view is "presenter", with a token, or absent`}
		}
	case "op":
		if f.Op == nil || f.ID == "" || len(f.ID) > MaxOpID {
			return nil, &board.Error{Code: CodeBadFrame, Message: fmt.Sprintf("op needs an id of 1 to %d characters and an op", MaxOpID)}
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

func checkEphemeral(f *ClientFrame) *board.Error {
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
