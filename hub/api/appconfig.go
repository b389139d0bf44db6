package api

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/plenary/plenary/board"
	"github.com/plenary/plenary/hub"
	"github.com/plenary/plenary/hub/fallback"
)

// appConfig is what the web app reads once as it starts (GET
// /api/config): the address people join at, and the bounds its forms
// hold inputs to, which are the board's own, so the browser never
// carries a copy that drifts from the server's.
type appConfig struct {
	PublicURL string        `json:"publicUrl"`
	Limits    appLimits     `json:"limits"`
	Colors    []board.Color `json:"colors"`
	Fallback  appFallback   `json:"fallback"`
}

// appFallback is what the app's fallback transport (fallback.js) keeps
// to: how often a quiet stream hears from the server, in milliseconds
// (past a few heartbeats unheard, the app gives it up), and how many
// frames and bytes one POST may carry.
type appFallback struct {
	Heartbeat int64 `json:"heartbeat"`
	Frames    int   `json:"frames"`
	Bytes     int   `json:"bytes"`
}

type appLimits struct {
	Title        int `json:"title"`
	Prompt       int `json:"prompt"`
	Name         int `json:"name"`
	NoteText     int `json:"noteText"`
	ThemeName    int `json:"themeName"`
	DiscussText  int `json:"discussText"`
	Passcode     int `json:"passcode"`
	Votes        int `json:"votes"`
	MinGroupSize int `json:"minGroupSize"`
	MaxGroupSize int `json:"maxGroupSize"`
	TimerSeconds int `json:"timerSeconds"`
	// EphemeralPerSecond is how many drags a second are passed on; the
	// app sends fewer.
	EphemeralPerSecond int `json:"ephemeralPerSecond"`
}

var formLimits = appLimits{
	Title: board.MaxTitle, Prompt: board.MaxPrompt, Name: board.MaxName, NoteText: board.MaxNoteText,
	ThemeName: board.MaxThemeName, DiscussText: board.MaxDiscussText, Passcode: board.MaxPasscode,
	Votes: board.MaxVotes, MinGroupSize: board.MinGroupSize, MaxGroupSize: board.MaxGroupSize,
	TimerSeconds: board.MaxTimerSeconds, EphemeralPerSecond: hub.EphemeralPerSecond,
}

func (srv *server) appConfig(c echo.Context) error {
	c.Response().Header().Set("Cache-Control", "no-cache")
	return c.JSON(http.StatusOK, appConfig{PublicURL: srv.publicBase(c), Limits: formLimits, Colors: board.Colors,
		Fallback: appFallback{Heartbeat: fallback.Heartbeat.Milliseconds(), Frames: fallback.MaxPostFrames, Bytes: fallback.MaxPostBytes}})
}

// publicBase is the address join links and QR codes name: the configured
// public URL, else the one this request came to, which reaches others
// only if it is not localhost.
func (srv *server) publicBase(c echo.Context) string {
	if srv.publicURL != "" {
		return srv.publicURL
	}
	return c.Scheme() + "://" + c.Request().Host
}

// parsePublicURL checks a public URL (Config.PublicURL): http or https,
// a host, no path, since the app's routes start at the root. It returns
// the URL as join links start and its host.
func parsePublicURL(s string) (base, host string, err error) {
	if s == "" {
		return "", "", nil
	}
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || strings.Trim(u.Path, "/") != "" || u.RawQuery != "" || u.Fragment != "" {
		return "", "", fmt.Errorf("api: the public URL is http(s)://HOST[:PORT] with no path, not %q", s)
	}
	return u.Scheme + "://" + u.Host, u.Host, nil
}
