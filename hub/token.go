package hub

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

// tokens signs and checks session tokens. A token names one participant of
// one board, so a reload keeps the same identity, group and votes, and a
// token for one board opens no other.
//
// The form is base64url("board|participant|unix expiry") "." base64url(HMAC-SHA256).
type tokens struct {
	secret []byte
}

var errBadToken = errors.New("invalid token")

func (t tokens) issue(board, participant string, now time.Time) string {
	payload := board + "|" + participant + "|" + strconv.FormatInt(now.Add(tokenTTL).Unix(), 10)
	enc := base64.RawURLEncoding
	return enc.EncodeToString([]byte(payload)) + "." + enc.EncodeToString(t.sign(payload))
}

// open returns the participant a token names on board, or errBadToken if
// it is forged, expired or for another board.
func (t tokens) open(token, board string, now time.Time) (string, error) {
	if len(token) > 512 {
		return "", errBadToken
	}
	enc := base64.RawURLEncoding
	body, sig, ok := strings.Cut(token, ".")
	if !ok {
		return "", errBadToken
	}
	payload, err1 := enc.DecodeString(body)
	mac, err2 := enc.DecodeString(sig)
	if err1 != nil || err2 != nil || !hmac.Equal(mac, t.sign(string(payload))) {
		return "", errBadToken
	}
	parts := strings.Split(string(payload), "|")
	if len(parts) != 3 || parts[0] != board || parts[1] == "" {
		return "", errBadToken
	}
	expiry, err := strconv.ParseInt(parts[2], 10, 64)
	if err != nil || now.Unix() > expiry {
		return "", errBadToken
	}
	return parts[1], nil
}

func (t tokens) sign(payload string) []byte {
	m := hmac.New(sha256.New, t.secret)
	m.Write([]byte(payload))
	return m.Sum(nil)
}
