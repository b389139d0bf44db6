package replica

import (
	"strconv"
	"strings"
)

// How an entry names who sent it. Its ref is the instance, the session and
// the client's own id, so that whichever instance applies the entry, only
// the sender's connection gets the acknowledgement; its idempotency key in
// the log is its sender and the client's id.

// Ref is the log ref of the op a client sent as clientRef through session
// on instance.
func Ref(instance string, session uint64, clientRef string) string {
	return instance + "." + strconv.FormatUint(session, 10) + "." + clientRef
}

// ParseRef splits a log ref into the session id and client ref, if the
// entry was sent through instance.
func ParseRef(instance, ref string) (session uint64, clientRef string, ok bool) {
	inst, rest, ok := strings.Cut(ref, ".")
	if !ok || inst != instance {
		return 0, "", false
	}
	id, clientRef, ok := strings.Cut(rest, ".")
	if !ok {
		return 0, "", false
	}
	n, err := strconv.ParseUint(id, 10, 64)
	return n, clientRef, err == nil
}

// OpKey is an op's idempotency key in the log: its sender and the id the
// client gave it.
func OpKey(participant, id string) string { return participant + "/" + id }

// OpKeyOf is the idempotency key of an entry by actor with ref (see
// board.Entry), whichever instance appended it; "" for the server's own
// entries.
func OpKeyOf(actor, ref string) string {
	_, rest, ok := strings.Cut(ref, ".")
	if !ok || actor == "" {
		return ""
	}
	_, id, ok := strings.Cut(rest, ".")
	if !ok {
		return ""
	}
	return OpKey(actor, id)
}
