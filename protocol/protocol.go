// Package protocol declares Plenary's websocket frames once, for the
// server (hub), the Go client (hub/client) and the load generator: the
// frame types, their fields and the codes a session is refused or closed
// with. docs/protocol.md describes them; a test walks its examples
// through these declarations.
package protocol

// Version is the "v" a hello must carry. It changes only when an old
// client could no longer understand the frames.
const Version = 1

// MaxFrame is the largest frame a client may send, in bytes: a larger
// one closes the websocket with CloseTooLarge, and is refused over HTTP.
const MaxFrame = 16 << 10

// MaxOpID is the longest op id a client may give, which its answer
// echoes as ref and the log keeps in the op's idempotency key.
const MaxOpID = 64

// ViewPresenter is the hello's view for a read-only screen of the board
// as participants see it.
const ViewPresenter = "presenter"

// Close codes a session ends with. They tell a client whether to
// reconnect and whether it may resume (docs/protocol.md, "Close codes").
const (
	CloseNormal     = 1000 // the client left
	CloseGoingAway  = 1001 // server shutting down, or the connection failed: reconnect and resume
	CloseNoHello    = 1008 // no hello in time: reconnect
	CloseTooLarge   = 1009 // frame over the read limit
	CloseTryAgain   = 1013 // the store is away (loading the board, joining): reconnect later
	CloseResume     = 4000 // send queue overflowed: reconnect and resume
	CloseBadHello   = 4001 // no valid hello: do not reconnect
	CloseBadToken   = 4003 // forget the token and join again
	CloseRateLimits = 4029 // too many ops too fast, repeatedly
)

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
