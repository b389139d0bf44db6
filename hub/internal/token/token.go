// Package token signs and checks session tokens: the hub issues them,
// and a room's sessions and the API open them.
package token

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"strconv"
	"strings"
	"time"
)

// tokenTTL is how long a session token opens its board: long enough for a
// workshop and its follow-up, short enough that an old link dies.
const tokenTTL = 30 * 24 * time.Hour

// Signer signs and checks session tokens. A token names one participant
// of one board, so a reload keeps the same identity, group and votes, and
// a token for one board opens no other. Every instance serving the same
// boards needs the same secret.
//
// The form is base64url("board|participant|unix expiry") "." base64url(HMAC-SHA256).
type Signer struct {
	Secret []byte
}

// Presenter is the participant a presenter key names: a token that opens
// the presenter view of its board and nothing else, for a projector that
// is not the facilitator's machine. Real participants are p1, p2, ..., so
// it names none of them, and no participant record.
const Presenter = "presenter"

// ErrBad refuses a token that is forged, expired or for another board.
var ErrBad = errors.New("invalid token")

// Issue is the token that names participant on board, valid from now for
// tokenTTL.
func (t Signer) Issue(board, participant string, now time.Time) string {
	payload := board + "|" + participant + "|" + strconv.FormatInt(now.Add(tokenTTL).Unix(), 10)
	enc := base64.RawURLEncoding
	return enc.EncodeToString([]byte(payload)) + "." + enc.EncodeToString(t.sign(payload))
}

// Open returns the participant a token names on board, or ErrBad.
func (t Signer) Open(token, board string, now time.Time) (string, error) {
	if len(token) > 512 {
		return "", ErrBad
	}
	enc := base64.RawURLEncoding
	body, sig, ok := strings.Cut(token, ".")
	if !ok {
		return "", ErrBad
	}
	payload, err1 := enc.DecodeString(body)
	mac, err2 := enc.DecodeString(sig)
	if err1 != nil || err2 != nil || !hmac.Equal(mac, t.sign(string(payload))) {
		return "", ErrBad
	}
	parts := strings.Split(string(payload), "|")
	if len(parts) != 3 || parts[0] != board || parts[1] == "" {
		return "", ErrBad
	}
	expiry, err := strconv.ParseInt(parts[2], 10, 64)
	if err != nil || now.Unix() > expiry {
		return "", ErrBad
	}
	return parts[1], nil
}

func (t Signer) sign(payload string) []byte {
	m := hmac.New(sha256.New, t.Secret)
	m.Write([]byte(payload))
	return m.Sum(nil)
}
