package protocol

import "github.com/plenary/plenary/board"

// ClientFrame is every frame a client may send, in one type: t says which
// fields belong to it (hello: v, board, token or join, since, epoch,
// view; op: id, op; eph: kind, note, theme, chart, x, y; ping: none).
// One type lets the server decode any frame in one step and refuse
// unknown fields, so a misspelt field is an error the client sees, not a
// silent no-op.
type ClientFrame struct {
	T string `json:"t"`

	// hello
	V     int    `json:"v,omitempty"`
	Board string `json:"board,omitempty"`
	Token string `json:"token,omitempty"`
	Join  *Join  `json:"join,omitempty"`
	Since uint64 `json:"since,omitempty"`
	Epoch string `json:"epoch,omitempty"` // of since
	// View ViewPresenter asks for the board as participants see it, read
	// only: a screen the room watches shows nothing a participant may not
	// see, whoever's token opened it.
	View string `json:"view,omitempty"`

	// op
	ID string    `json:"id,omitempty"`
	Op *board.Op `json:"op,omitempty"`

	// eph
	Kind  string   `json:"kind,omitempty"`
	Note  string   `json:"note,omitempty"`
	Theme string   `json:"theme,omitempty"`
	Chart string   `json:"chart,omitempty"`
	X     *float64 `json:"x,omitempty"`
	Y     *float64 `json:"y,omitempty"`
}

// Join is the hello of a newcomer.
type Join struct {
	Name     string     `json:"name"`
	Role     board.Role `json:"role"`
	Passcode string     `json:"passcode,omitempty"`
}
