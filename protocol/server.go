package protocol

import (
	"encoding/json"
	"time"

	"github.com/plenary/plenary/board"
)

// The frames the server sends. Every field a frame's header holds (see
// Header) comes before its first object or array, so a client may read
// the header without decoding the body.

// Welcome answers a hello that was accepted.
type Welcome struct {
	T           string    `json:"t"`
	Board       string    `json:"board"`
	You         string    `json:"you"`
	Token       string    `json:"token"`
	Facilitator bool      `json:"facilitator"`
	Now         time.Time `json:"now"`
}

// Changes is what a chg or snap frame carries: board.Change where the
// server encodes it, Entity where a client decodes it.
type Changes interface{ board.Change | Entity }

// Chg is one log entry's changes, or an acknowledgement (Ref) of the op
// that made them. A frame with From stands for the entries From to Seq:
// its changes are their net result, each entity's last value, as a
// participant's screen is sent the joins of a storm.
type Chg[C Changes] struct {
	T       string    `json:"t"`
	From    uint64    `json:"from,omitempty"`
	Seq     uint64    `json:"seq"`
	Ref     string    `json:"ref,omitempty"`
	By      string    `json:"by,omitempty"`
	At      time.Time `json:"at"`
	Changes []C       `json:"changes"`
}

// First is the first seq c stands for: From, or Seq for one entry's.
func (c Chg[C]) First() uint64 {
	if c.From != 0 {
		return c.From
	}
	return c.Seq
}

// Snap is the whole board as of Seq, of the log's Epoch. The server
// writes it piece by piece (hub's sendSnapshot) in this field order.
type Snap[C Changes] struct {
	T       string `json:"t"`
	Seq     uint64 `json:"seq"`
	Epoch   string `json:"epoch,omitempty"`
	Changes []C    `json:"changes"`
}

// Entity is one entity change as a client reads it: board.Change's wire
// form, with the value left encoded.
type Entity struct {
	E   string          `json:"e"`
	ID  string          `json:"id"`
	V   json.RawMessage `json:"v,omitempty"`
	Del bool            `json:"del,omitempty"`
}

// Err refuses a frame: the op whose id is Ref, or the hello.
type Err struct {
	T    string `json:"t"`
	Ref  string `json:"ref,omitempty"`
	Code string `json:"code"`
	Msg  string `json:"msg"`
}

// Eph is an ephemeral frame passed on to the others, with who sent it.
type Eph struct {
	T     string   `json:"t"`
	From  string   `json:"from"`
	Kind  string   `json:"kind"`
	Note  string   `json:"note,omitempty"`
	Theme string   `json:"theme,omitempty"`
	Chart string   `json:"chart,omitempty"`
	X     *float64 `json:"x,omitempty"`
	Y     *float64 `json:"y,omitempty"`
}

// Presence is everyone online, sent once when a session starts;
// PresenceChange is who came and who left after that.
type Presence struct {
	T      string   `json:"t"`
	Online []string `json:"online"`
}

type PresenceChange struct {
	T    string   `json:"t"`
	Came []string `json:"came,omitempty"`
	Left []string `json:"left,omitempty"`
}

// Pong answers a ping.
type Pong struct {
	T string `json:"t"`
}
