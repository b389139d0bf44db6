package room

import (
	"fmt"
	"math"

	"github.com/plenary/plenary/board"
	"github.com/plenary/plenary/protocol"
)

// decodeFrame parses one client frame and checks what can be checked
// without the board: types, sizes, required fields.
func decodeFrame(data []byte) (*protocol.ClientFrame, *board.Error) {
	var f protocol.ClientFrame
	if err := protocol.Strict(data, &f); err != nil {
		return nil, &board.Error{Code: protocol.CodeBadFrame, Message: err.Error()}
	}
	switch f.T {
	case "hello":
		if f.V != protocol.Version {
			return nil, &board.Error{Code: protocol.CodeBadHello, Message: fmt.Sprintf("protocol version %d is not spoken here; use %d", f.V, protocol.Version)}
		}
		if f.Board == "" || (f.Token == "") == (f.Join == nil) {
			return nil, &board.Error{Code: protocol.CodeBadHello, Message: "hello needs a board and either a token or a join"}
		}
		if f.View != "" && (f.View != protocol.ViewPresenter || f.Token == "") {
			return nil, &board.Error{Code: protocol.CodeBadHello, Message: `view is "presenter", with a token, or absent`}
		}
	case "op":
		if f.Op == nil || f.ID == "" || len(f.ID) > protocol.MaxOpID {
			return nil, &board.Error{Code: protocol.CodeBadFrame, Message: fmt.Sprintf("op needs an id of 1 to %d characters and an op", protocol.MaxOpID)}
		}
	case "eph":
		if err := checkEphemeral(&f); err != nil {
			return nil, err
		}
	case "ping":
	default:
		return nil, &board.Error{Code: protocol.CodeBadFrame, Message: fmt.Sprintf("unknown frame type %q", f.T)}
	}
	return &f, nil
}

// maxEphemeralID bounds the ids an ephemeral frame carries; they are only
// passed on, never looked up, so a bound is all they need.
const maxEphemeralID = 32

func checkEphemeral(f *protocol.ClientFrame) *board.Error {
	switch f.Kind {
	case "drag", "cursor", "typing":
	default:
		return &board.Error{Code: protocol.CodeBadFrame, Message: fmt.Sprintf("unknown ephemeral kind %q", f.Kind)}
	}
	if len(f.Note) > maxEphemeralID || len(f.Theme) > maxEphemeralID || len(f.Chart) > maxEphemeralID {
		return &board.Error{Code: protocol.CodeBadFrame, Message: "ephemeral ids are at most 32 characters"}
	}
	for _, v := range []*float64{f.X, f.Y} {
		if v != nil && (math.IsNaN(*v) || *v < -1 || *v > 2) {
			return &board.Error{Code: protocol.CodeBadFrame, Message: "positions are fractions of the chart"}
		}
	}
	return nil
}

// pong answers a ping, through the session's queue like any frame: a
// client that hears it knows its link to the server carries frames.
var pong = protocol.Encode(protocol.Pong{T: "pong"})

func errorBytes(ref string, e *board.Error) []byte {
	return protocol.Encode(protocol.Err{T: "err", Ref: ref, Code: e.Code, Msg: e.Message})
}
