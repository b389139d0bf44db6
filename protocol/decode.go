package protocol

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
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
