package board

import "fmt"

// Error is a refusal a client sees: a stable code its code can switch on and
// a message a person can read. Every code is listed in docs/protocol.md.
type Error struct {
	Code    string `json:"code"`
	Message string `json:"msg"`
}

func (e *Error) Error() string { return e.Code + ": " + e.Message }

func refuse(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// The codes Apply refuses with.
const (
	CodeBadOp        = "bad_op"         // a field is missing, malformed or out of range
	CodeUnknownKind  = "unknown_kind"   // no such op
	CodeForbidden    = "forbidden"      // the actor's role may not do this (facilitator ops)
	CodeNotJoined    = "not_joined"     // the actor is not a participant of this board
	CodeWrongPhase   = "wrong_phase"    // not allowed in the current phase
	CodeLocked       = "locked"         // the facilitator has locked the board
	CodeNotFound     = "not_found"      // the note, theme, group, chart or item does not exist
	CodeNotYourChart = "not_your_chart" // in brainstorm a participant writes on their own group's chart only
	CodeNoGroup      = "no_group"       // the participant has no group yet
	CodeTooLong      = "too_long"       // a text is over its limit
	CodeTooMany      = "too_many"       // notes, themes, participants or groups over their limit
	CodeVoteBudget   = "vote_budget"    // no votes left
	CodeVoteCap      = "vote_cap"       // the per-item cap is reached
	CodeNoVote       = "no_vote"        // retracting a vote that was not cast
	CodeGroupsInUse  = "groups_in_use"  // groups cannot be re-formed once charts hold notes
	CodeExists       = "exists"         // board.create on a board that exists
)
