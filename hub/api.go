package hub

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/plenary/plenary/board"
	"github.com/plenary/plenary/hub/replica"
	"github.com/plenary/plenary/protocol"
	"github.com/plenary/plenary/store"
)

// maxBody bounds a request body; the largest is an imported board.
const maxBody = "4M"

// idAlphabet makes join codes easy to read aloud and type: no 0/O, 1/I/L
// or U.
const idAlphabet = "23456789ABCDEFGHJKMNPQRSTVWXYZ"

const idLen = 6

func (h *Hub) routes() *echo.Echo {
	e := echo.New()
	e.HideBanner, e.HidePort = true, true
	e.HTTPErrorHandler = h.httpError
	e.Use(h.logRequests())
	// A panic is answered and logged by httpError, as any other error.
	e.Use(middleware.RecoverWithConfig(middleware.RecoverConfig{
		LogErrorFunc: func(_ echo.Context, err error, stack []byte) error {
			return fmt.Errorf("panic: %w\n%s", err, stack)
		},
	}))
	e.Use(securityHeaders)
	// On every route rather than the group's: a group with middleware
	// answers 404 for every method a path of it does not take.
	e.Use(middleware.BodyLimit(maxBody))

	api := e.Group("/api")
	api.GET("/config", h.appConfig)
	api.POST("/boards", h.createBoard)
	api.GET("/boards/:id", h.boardInfo)
	api.POST("/boards/:id/join", h.joinBoard)
	api.GET("/boards/:id/snapshot", h.boardSnapshot)
	api.GET("/boards/:id/export.md", h.export("text/markdown; charset=utf-8", (*board.State).Markdown, true))
	api.GET("/boards/:id/export.csv", h.export("text/csv; charset=utf-8", facilitatorsOnly((*board.State).CSV), false))
	api.GET("/boards/:id/export.json", h.export("application/json", facilitatorsOnly(exportJSON), false))
	api.POST("/stream", h.serveStream)
	api.POST("/boards/:id/frames", h.serveFrames)

	e.GET("/ws", h.serveWebsocket)
	e.GET("/healthz", func(c echo.Context) error { return c.String(http.StatusOK, "ok") })
	e.GET("/readyz", h.ready)
	e.GET("/metrics", echo.WrapHandler(promhttp.HandlerFor(h.metrics.registry, promhttp.HandlerOpts{
		ErrorLog: slog.NewLogLogger(h.logger.Handler(), slog.LevelError),
	})))
	if h.assets != nil {
		e.GET("/*", h.serveStatic())
	}
	return e
}

// securityHeaders keep the page to its own server: nothing is loaded from
// elsewhere and it cannot be framed by another site.
func securityHeaders(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		hd := c.Response().Header()
		hd.Set("Content-Security-Policy", "default-src 'self'; img-src 'self' data: blob:; style-src 'self' 'unsafe-inline'; frame-ancestors 'none'")
		hd.Set("X-Content-Type-Options", "nosniff")
		hd.Set("Referrer-Policy", "no-referrer")
		return next(c)
	}
}

// apiError is the body of every HTTP refusal.
type apiError struct {
	status int
	Code   string `json:"code"`
	Msg    string `json:"msg"`
}

func (e *apiError) Error() string { return e.Code + ": " + e.Msg }

func refuseHTTP(status int, code, msg string) *apiError {
	return &apiError{status: status, Code: code, Msg: msg}
}

// Codes of HTTP refusals that only Echo's router and middleware give.
const (
	codeNoRoute   = "no_route"
	codeBadMethod = "bad_method"
	codeTooLarge  = "too_large"
)

// echoRefusals are the refusals for the errors Echo itself returns.
var echoRefusals = map[int]*apiError{
	http.StatusNotFound:              refuseHTTP(http.StatusNotFound, codeNoRoute, "there is nothing at this address"),
	http.StatusMethodNotAllowed:      refuseHTTP(http.StatusMethodNotAllowed, codeBadMethod, "this address does not take that method"),
	http.StatusRequestEntityTooLarge: refuseHTTP(http.StatusRequestEntityTooLarge, codeTooLarge, "the request body is over "+maxBody+"iB"),
}

// httpError is Echo's one error handler: it answers every error as JSON
// {code, msg}, Echo's own included, and logs those that are the
// server's fault.
func (h *Hub) httpError(err error, c echo.Context) {
	if c.Response().Committed {
		return
	}
	var ae *apiError
	var he *echo.HTTPError
	switch {
	case errors.As(err, &ae):
	case errors.As(err, &he) && echoRefusals[he.Code] != nil:
		ae = echoRefusals[he.Code]
	default:
		h.logger.Error("http", "path", c.Path(), "err", err)
		ae = refuseHTTP(http.StatusInternalServerError, protocol.CodeInternal, "something went wrong on the server")
	}
	_ = c.JSON(ae.status, ae)
}

type createRequest struct {
	Title    string          `json:"title"`
	Prompt   string          `json:"prompt"`
	Settings *board.Settings `json:"settings"`
	Import   *board.Export   `json:"import"`
}

type createResponse struct {
	ID             string `json:"id"`
	JoinCode       string `json:"joinCode"`
	JoinURL        string `json:"joinUrl"`
	FacilitatorURL string `json:"facilitatorUrl"`
}

func (h *Hub) createBoard(c echo.Context) error {
	if wait, ok := take(h.creates.of(c.RealIP())); !ok {
		return tooMany(c, wait, "new workshops")
	}
	var req createRequest
	dec := json.NewDecoder(c.Request().Body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(&req); err != nil {
		var he *echo.HTTPError
		if errors.As(err, &he) {
			return he // the body limit, on a body sent without its length
		}
		return refuseHTTP(http.StatusBadRequest, protocol.CodeBadFrame, fmt.Sprintf("cannot read the request: %v", err))
	}
	if req.Import != nil {
		if req.Title == "" {
			req.Title, req.Prompt = req.Import.Title, req.Import.Prompt
		}
		// Every export.json is read whole (see board.ExportVersion).
		req.Import.Version = max(req.Import.Version, board.ExportVersion)
	}
	now := time.Now()
	e := board.Entry{At: now, Op: board.Op{Kind: board.BoardCreate, Title: req.Title, Prompt: req.Prompt, Settings: req.Settings, Import: req.Import}}
	if err := board.New().Check(e); err != nil {
		be := replica.AsBoardError(err)
		return refuseHTTP(http.StatusBadRequest, be.Code, be.Message)
	}
	data, err := json.Marshal(e)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	for range 5 {
		id := h.drawBoardID()
		err := h.log.Create(ctx, id, data)
		if errors.Is(err, store.ErrExists) {
			continue // that code is taken; draw another
		}
		if err != nil {
			return h.unavailable(err)
		}
		base := h.publicBase(c)
		return c.JSON(http.StatusCreated, createResponse{
			ID:             id,
			JoinCode:       id,
			JoinURL:        base + "/j/" + id,
			FacilitatorURL: base + "/b/" + id + "#key=" + h.tokens.issue(id, "p1", now),
		})
	}
	return refuseHTTP(http.StatusServiceUnavailable, protocol.CodeUnavailable, "could not find a free join code; try again")
}

// unavailable answers a store failure. The error stays in the log: it
// names hosts and internals that are no business of the client's.
func (h *Hub) unavailable(err error) error {
	h.logger.Warn("store", "err", err)
	return refuseHTTP(http.StatusServiceUnavailable, protocol.CodeUnavailable, "the store cannot be reached just now; try again")
}

// boardInfo is what the join screen shows before someone joins.
type boardInfo struct {
	ID           string      `json:"id"`
	Title        string      `json:"title"`
	Prompt       string      `json:"prompt"`
	Phase        board.Phase `json:"phase"`
	Participants int         `json:"participants"`
	Passcode     bool        `json:"passcode"`
}

func (h *Hub) boardInfo(c echo.Context) error {
	r, err := h.loadRoom(c)
	if err != nil {
		return err
	}
	var info boardInfo
	if !r.call(func() {
		st := r.replica.State()
		info = boardInfo{ID: r.id, Title: st.Info.Title, Prompt: st.Info.Prompt, Phase: st.Info.Phase,
			Participants: len(st.Participants) - 1, Passcode: st.Info.Settings.Passcode != ""}
	}) {
		return refuseHTTP(http.StatusServiceUnavailable, protocol.CodeUnavailable, "the workshop was closed; try again")
	}
	return c.JSON(http.StatusOK, info)
}

// loadRoom is the room of the board the request names. An address that
// has named too many boards that do not exist is answered 429, whichever
// it names now: join codes are short enough to guess.
func (h *Hub) loadRoom(c echo.Context) (*room, error) {
	misses := h.misses.of(c.RealIP())
	if wait := untilToken(misses); wait > 0 {
		return nil, tooMany(c, wait, "unknown join codes")
	}
	ctx, cancel := context.WithTimeout(c.Request().Context(), 10*time.Second)
	defer cancel()
	r, err := h.room(ctx, strings.ToUpper(c.Param("id")))
	switch {
	case errors.Is(err, errNoBoard):
		misses.Allow()
		return nil, refuseHTTP(http.StatusNotFound, protocol.CodeNoBoard, "there is no workshop with that code")
	case err != nil:
		return nil, h.unavailable(err)
	}
	return r, nil
}

// holder loads the request's board and names the participant whose token
// the request carries. The token is taken from the Authorization header
// alone: in a URL it would be kept in browser histories and proxies' logs.
func (h *Hub) holder(c echo.Context) (*room, string, error) {
	r, err := h.loadRoom(c)
	if err != nil {
		return nil, "", err
	}
	token, _ := strings.CutPrefix(c.Request().Header.Get("Authorization"), "Bearer ")
	participant, err := h.tokens.open(token, r.id, time.Now())
	if err != nil {
		return nil, "", refuseHTTP(http.StatusUnauthorized, protocol.CodeBadToken, "this link or session is not valid for this workshop")
	}
	return r, participant, nil
}

// export serves one export format. Facilitators may always export;
// participants may read the report (forParticipants) once the workshop is
// in discuss, since it is their shared record. render is told whether the
// reader is a facilitator, so that a participant's copy keeps hidden
// tallies hidden.
func (h *Hub) export(contentType string, render func(st *board.State, facilitator bool) []byte, forParticipants bool) echo.HandlerFunc {
	return func(c echo.Context) error {
		r, participant, err := h.holder(c)
		if err != nil {
			return err
		}
		var body []byte
		var refusal *apiError
		if !r.call(func() {
			st := r.replica.State()
			p := st.Participants[participant]
			switch {
			case p == nil:
				refusal = refuseHTTP(http.StatusUnauthorized, protocol.CodeBadToken, "you are not a participant of this workshop")
			case !p.Facilitator && !(forParticipants && st.Info.Phase == board.Discuss):
				refusal = refuseHTTP(http.StatusForbidden, board.CodeForbidden, "only the facilitator may export before the discuss phase")
			default:
				body = render(st, p.Facilitator)
			}
		}) {
			return refuseHTTP(http.StatusServiceUnavailable, protocol.CodeUnavailable, "the workshop was closed; try again")
		}
		if refusal != nil {
			return refusal
		}
		return c.Blob(http.StatusOK, contentType, body)
	}
}

// facilitatorsOnly is render for a format only facilitators are served.
func facilitatorsOnly(render func(*board.State) []byte) func(*board.State, bool) []byte {
	return func(st *board.State, _ bool) []byte { return render(st) }
}

func exportJSON(s *board.State) []byte {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetIndent("", "  ")
	_ = enc.Encode(s.Export()) // plain structs: cannot fail
	return buf.Bytes()
}

// ready answers from the last ping of the store (probeStore), at once.
func (h *Hub) ready(c echo.Context) error {
	if !h.storeUp.Load() {
		return refuseHTTP(http.StatusServiceUnavailable, protocol.CodeUnavailable, "the store cannot be reached")
	}
	return c.String(http.StatusOK, "ready")
}

// newBoardID draws a join code, rejecting the bytes that would make some
// letters likelier than others.
func newBoardID() string {
	const fair = 256 - 256%len(idAlphabet)
	id := make([]byte, 0, idLen)
	var b [1]byte
	for len(id) < idLen {
		_, _ = rand.Read(b[:]) // crypto/rand.Read never fails on Linux
		if int(b[0]) < fair {
			id = append(id, idAlphabet[int(b[0])%len(idAlphabet)])
		}
	}
	return string(id)
}

func validBoardID(id string) bool {
	if len(id) != idLen {
		return false
	}
	for i := range len(id) {
		if !strings.ContainsRune(idAlphabet, rune(id[i])) {
			return false
		}
	}
	return true
}

func equalSecret(a, b string) bool {
	return subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1
}
