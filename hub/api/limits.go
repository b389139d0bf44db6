package api

// What the API holds a client address, or a page of another site, to.

import (
	"fmt"
	"math"
	"net/http"
	"net/url"
	"path"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/plenary/plenary/board"
	"github.com/plenary/plenary/protocol"
)

// lookups guards a route that names a board (its join code, or a hello
// that will): an address that has named too many boards that do not
// exist is answered 429, whichever it names now (hub.Hub.LookupWait).
func (srv *server) lookups(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		if wait := srv.hub.LookupWait(c.RealIP()); wait > 0 {
			return tooMany(c, wait, "unknown join codes")
		}
		return next(c)
	}
}

// tooMany is the 429 a limited client address is answered, with the
// seconds to wait in Retry-After.
func tooMany(c echo.Context, wait time.Duration, what string) error {
	seconds := max(1, int(math.Ceil(wait.Seconds())))
	c.Response().Header().Set(echo.HeaderRetryAfter, strconv.Itoa(seconds))
	return refuse(http.StatusTooManyRequests, protocol.CodeRateLimited, fmt.Sprintf("too many %s from your address: try again in %d s", what, seconds))
}

// sameSite refuses a browser's request from a page of another site, as a
// websocket upgrade is refused: the page's origin must be this host, or
// one of the hosts allowed to open websockets (Config.Origins, the public
// URL's), matched as coder/websocket matches them.
func (srv *server) sameSite(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		if !srv.allowedOrigin(c.Request()) {
			return refuse(http.StatusForbidden, board.CodeForbidden, "pages of another site may not open sessions here")
		}
		return next(c)
	}
}

func (srv *server) allowedOrigin(r *http.Request) bool {
	origin := r.Header.Get("Origin")
	if origin == "" {
		return true // not sent by a page of another site
	}
	u, err := url.Parse(origin)
	if err != nil {
		return false
	}
	if strings.EqualFold(u.Host, r.Host) {
		return true
	}
	for _, pattern := range srv.origins {
		target := u.Host
		if strings.Contains(pattern, "://") {
			target = u.Scheme + "://" + u.Host
		}
		if ok, _ := path.Match(strings.ToLower(pattern), strings.ToLower(target)); ok {
			return true
		}
	}
	return false
}

// clientAddress picks how the API reads a request's client address: the
// connection's, or, behind a load balancer, the header it sets.
func clientAddress(header string) (echo.IPExtractor, error) {
	switch http.CanonicalHeaderKey(header) {
	case "":
		return echo.ExtractIPDirect(), nil
	case echo.HeaderXForwardedFor:
		return echo.ExtractIPFromXFFHeader(), nil
	case echo.HeaderXRealIP:
		return echo.ExtractIPFromRealIPHeader(), nil
	}
	return nil, fmt.Errorf("api: the client address header is %s or %s, not %q", echo.HeaderXForwardedFor, echo.HeaderXRealIP, header)
}
