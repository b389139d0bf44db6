// Package api is Plenary's HTTP surface, on Echo: the board API
// (/api/...), the web app's files, the probes and /metrics, and the two
// transports mounted at their paths (hub/socket at /ws, hub/fallback
// under /api). Every refusal goes through one error handler as JSON
// {code, msg}; the limits on client addresses and the check of a page's
// origin are middleware on the routes they guard. The application it
// serves is a hub.Hub.
package api

import (
	"bytes"
	"cmp"
	"compress/gzip"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"golang.org/x/time/rate"

	"github.com/plenary/plenary/board"
	"github.com/plenary/plenary/board/report"
	"github.com/plenary/plenary/hub"
	"github.com/plenary/plenary/hub/fallback"
	"github.com/plenary/plenary/hub/internal/limits"
	"github.com/plenary/plenary/hub/socket"
	"github.com/plenary/plenary/protocol"
)

// maxBody bounds a request body; the largest is an imported board.
const maxBody = "4M"

const (
	// defaultWriteTimeout is Config.WriteTimeout's.
	defaultWriteTimeout = 10 * time.Second
	// defaultBoardsPerMinute is how many boards one client address may
	// create a minute, in bursts of as many: a room of facilitators behind
	// one address each opening a workshop, not a script filling the disk.
	defaultBoardsPerMinute = 30
)

// Config is how the HTTP surface serves a hub. The zero Config serves
// the API alone, with the defaults.
type Config struct {
	// Static is the web app, served at / (nil serves the API only).
	Static fs.FS
	// Origins are extra host patterns (as coder/websocket's
	// OriginPatterns) whose pages may open sessions (a websocket, a
	// fallback stream, a join); the server's own host always may.
	Origins []string
	// PublicURL is the address people join at (http(s)://HOST[:PORT]),
	// named in join links and QR codes; empty uses the address the
	// facilitator opened. Its host may open sessions.
	PublicURL string
	// BoardsPerMinute is how many boards one client address may create a
	// minute, in bursts of as many; zero means 30. Load runs that create
	// hundreds of boards raise it.
	BoardsPerMinute int
	// ClientAddressHeader is the header a load balancer puts the client's
	// address in, X-Forwarded-For or X-Real-IP, read only from a proxy on
	// a private or loopback address; empty uses the connection's own
	// address. The limits on creating boards and looking up join codes
	// count by this address.
	ClientAddressHeader string
	// WriteTimeout bounds one write to a client whose socket or stream is
	// full (a weak link, a suspended laptop): past it the connection is
	// torn down, with no close code since none can get through. Zero
	// means 10 s. Tests whose clients stop reading on purpose lengthen it.
	WriteTimeout time.Duration
	// HelloWithin and PingEvery are the websocket's (socket.Config).
	// Tests shorten the first, and lengthen the second when their
	// clients stop reading on purpose.
	HelloWithin, PingEvery time.Duration
}

// server is the HTTP surface of one hub; it holds nothing that changes
// but the limiter's buckets, which guard themselves.
type server struct {
	hub     *hub.Hub
	assets  assets // the web app; nil serves the API only
	origins []string
	// publicURL is Config.PublicURL, checked.
	publicURL string
	creates   *limits.Keyed // boards created, per client address
}

// New is the whole HTTP surface of h: API, websocket, fallback, web app,
// probes.
func New(h *hub.Hub, cfg Config) (http.Handler, error) {
	address, err := clientAddress(cfg.ClientAddressHeader)
	if err != nil {
		return nil, err
	}
	publicURL, publicHost, err := parsePublicURL(cfg.PublicURL)
	if err != nil {
		return nil, err
	}
	origins := cfg.Origins
	if publicHost != "" {
		origins = append(origins[:len(origins):len(origins)], publicHost)
	}
	var webApp assets
	if cfg.Static != nil {
		if webApp, err = loadAssets(cfg.Static); err != nil {
			return nil, fmt.Errorf("api: read the web app: %w", err)
		}
	}
	boardsPerMinute := cmp.Or(max(cfg.BoardsPerMinute, 0), defaultBoardsPerMinute)
	srv := &server{
		hub:       h,
		assets:    webApp,
		origins:   origins,
		publicURL: publicURL,
		creates:   limits.New(rate.Limit(boardsPerMinute)/60, boardsPerMinute),
	}
	writeTimeout := cmp.Or(max(cfg.WriteTimeout, 0), defaultWriteTimeout)
	sockets := socket.New(h, socket.Config{Origins: origins, WriteTimeout: writeTimeout, HelloWithin: cfg.HelloWithin, PingEvery: cfg.PingEvery})
	streams := fallback.New(h, writeTimeout)
	e := srv.routes(sockets, streams)
	e.IPExtractor = address
	return e, nil
}

func (srv *server) routes(sockets *socket.Server, streams *fallback.Server) *echo.Echo {
	e := echo.New()
	e.HideBanner, e.HidePort = true, true
	e.HTTPErrorHandler = srv.httpError
	e.Use(srv.logRequests())
	// A panic is answered and logged by httpError, as any other error.
	e.Use(middleware.RecoverWithConfig(middleware.RecoverConfig{
		LogErrorFunc: func(_ echo.Context, err error, stack []byte) error {
			return fmt.Errorf("panic: %w\n%s", err, stack)
		},
	}))
	e.Use(securityHeaders)
	// On every route rather than the group's: a group with middleware
	// answers 404 for every method a path of it does not take. For the
	// same reason lookups and sameSite go on each route they guard.
	e.Use(middleware.BodyLimit(maxBody))
	lookups, sameSite := srv.lookups, srv.sameSite

	api := e.Group("/api")
	api.GET("/config", srv.appConfig)
	api.POST("/boards", srv.createBoard)
	api.POST("/stream", streams.Stream, sameSite, lookups)

	boards := api.Group("/boards/:id")
	boards.GET("", srv.boardInfo, lookups)
	boards.POST("/join", srv.joinBoard, sameSite, lookups)
	boards.GET("/snapshot", srv.boardSnapshot, lookups)
	boards.POST("/presenter", srv.presenterKey, lookups)
	boards.GET("/export.md", srv.export("text/markdown; charset=utf-8", report.Markdown, true), lookups)
	boards.GET("/export.csv", srv.export("text/csv; charset=utf-8", facilitatorsOnly(report.CSV), false), lookups)
	boards.GET("/export.json", srv.export("application/json", facilitatorsOnly(exportJSON), false), lookups)
	boards.POST("/frames", streams.Frames, sameSite, lookups)

	e.GET("/ws", sockets.Serve, lookups)
	e.GET("/healthz", func(c echo.Context) error { return c.String(http.StatusOK, "ok") })
	e.GET("/readyz", srv.ready)
	e.GET("/metrics", echo.WrapHandler(promhttp.HandlerFor(srv.hub.Metrics(), promhttp.HandlerOpts{
		ErrorLog: slog.NewLogLogger(srv.hub.Logger().Handler(), slog.LevelError),
	})))
	if srv.assets != nil {
		e.GET("/*", srv.serveStatic())
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

// refuse is an HTTP refusal of the given status, answered as JSON
// {code, msg} by httpError.
func refuse(status int, code, msg string) error {
	return echo.NewHTTPError(status, &board.Error{Code: code, Message: msg})
}

// Codes of HTTP refusals that only Echo's router and middleware give.
const (
	codeNoRoute   = "no_route"
	codeBadMethod = "bad_method"
	codeTooLarge  = "too_large"
)

// echoRefusals are the refusals for the errors Echo itself returns.
var echoRefusals = map[int]*board.Error{
	http.StatusNotFound:              {Code: codeNoRoute, Message: "there is nothing at this address"},
	http.StatusMethodNotAllowed:      {Code: codeBadMethod, Message: "this address does not take that method"},
	http.StatusRequestEntityTooLarge: {Code: codeTooLarge, Message: "the request body is over " + maxBody + "iB"},
}

// httpError is Echo's one error handler: it answers every error as JSON
// {code, msg}, Echo's own included, and logs those that are the
// server's fault. A handler refuses with the hub's *board.Error as it is,
// whose code says the status (statusOf), or with an *echo.HTTPError
// whose message is a *board.Error, for a status of its own.
func (srv *server) httpError(err error, c echo.Context) {
	if c.Response().Committed {
		return
	}
	status, refusal := srv.refusal(err, c)
	_ = c.JSON(status, refusal)
}

func (srv *server) refusal(err error, c echo.Context) (int, *board.Error) {
	var (
		he       *echo.HTTPError
		be       *board.Error
		tooLarge *http.MaxBytesError
	)
	if errors.As(err, &he) {
		if be, ok := he.Message.(*board.Error); ok {
			return he.Code, be
		}
		if be := echoRefusals[he.Code]; be != nil {
			return he.Code, be
		}
	}
	switch {
	case errors.As(err, &be):
		return statusOf(be.Code), be
	case errors.As(err, &tooLarge): // a body read past its bound
		return http.StatusRequestEntityTooLarge, &board.Error{Code: protocol.CodeBadFrame, Message: fmt.Sprintf("the body is over %d bytes", tooLarge.Limit)}
	case errors.Is(err, io.ErrUnexpectedEOF): // a body cut short
		return http.StatusBadRequest, &board.Error{Code: protocol.CodeBadFrame, Message: "cannot read the body"}
	}
	srv.hub.Logger().Error("http", "path", c.Path(), "err", err)
	return http.StatusInternalServerError, &board.Error{Code: protocol.CodeInternal, Message: "something went wrong on the server"}
}

// statusOf is the HTTP status of a refusal by the hub, by its code.
func statusOf(code string) int {
	switch code {
	case protocol.CodeNoBoard:
		return http.StatusNotFound
	case protocol.CodeBadToken:
		return http.StatusUnauthorized
	case protocol.CodeBadPasscode, board.CodeForbidden:
		return http.StatusForbidden
	case board.CodeTooMany:
		return http.StatusConflict
	case protocol.CodeUnavailable, protocol.CodeUnknownOutcome:
		return http.StatusServiceUnavailable
	}
	return http.StatusBadRequest
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

func (srv *server) createBoard(c echo.Context) error {
	if wait, ok := limits.Take(srv.creates.Of(c.RealIP())); !ok {
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
		return refuse(http.StatusBadRequest, protocol.CodeBadFrame, fmt.Sprintf("cannot read the request: %v", err))
	}
	if req.Import != nil {
		if req.Title == "" {
			req.Title, req.Prompt = req.Import.Title, req.Import.Prompt
		}
		// Every export.json is read whole (see board.ExportVersion).
		req.Import.Version = max(req.Import.Version, board.ExportVersion)
	}
	e := board.Entry{At: time.Now(), Op: board.Op{Kind: board.BoardCreate, Title: req.Title, Prompt: req.Prompt, Settings: req.Settings, Import: req.Import}}
	if err := board.New().Check(e); err != nil {
		var be *board.Error
		if !errors.As(err, &be) {
			return err
		}
		// Whatever its code: the request, not the board, is at fault.
		return echo.NewHTTPError(http.StatusBadRequest, be)
	}
	id, token, err := srv.hub.Create(c.Request().Context(), e)
	if err != nil {
		return err
	}
	base := srv.publicBase(c)
	return c.JSON(http.StatusCreated, createResponse{
		ID:             id,
		JoinCode:       id,
		JoinURL:        base + "/j/" + id,
		FacilitatorURL: base + "/b/" + id + "#key=" + token,
	})
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

func (srv *server) boardInfo(c echo.Context) error {
	b, err := srv.hub.Board(c.Request().Context(), c.Param("id"), c.RealIP())
	if err != nil {
		return err
	}
	var info boardInfo
	if err := b.Read(func(st *board.State) {
		info = boardInfo{ID: b.ID(), Title: st.Info.Title, Prompt: st.Info.Prompt, Phase: st.Info.Phase,
			Participants: len(st.Participants) - 1, Passcode: st.Info.Settings.Passcode != ""}
	}); err != nil {
		return err
	}
	return c.JSON(http.StatusOK, info)
}

// holder is the request's board and the participant whose token the
// request carries. The token is taken from the Authorization header
// alone: in a URL it would be kept in browser histories and proxies'
// logs.
func (srv *server) holder(c echo.Context) (hub.Board, string, error) {
	token, _ := strings.CutPrefix(c.Request().Header.Get(echo.HeaderAuthorization), "Bearer ")
	return srv.hub.Holder(c.Request().Context(), c.Param("id"), token, c.RealIP())
}

// export serves one export format. Facilitators may always export;
// participants may read the report (forParticipants) once the workshop is
// in discuss, since it is their shared record. render is told whether the
// reader is a facilitator, so that a participant's copy keeps hidden
// tallies hidden.
func (srv *server) export(contentType string, render func(st *board.State, facilitator bool) []byte, forParticipants bool) echo.HandlerFunc {
	return func(c echo.Context) error {
		b, participant, err := srv.holder(c)
		if err != nil {
			return err
		}
		var body []byte
		var refusal error
		if err := b.Read(func(st *board.State) {
			p := st.Participants[participant]
			switch {
			case p == nil:
				refusal = refuse(http.StatusUnauthorized, protocol.CodeBadToken, "you are not a participant of this workshop")
			case !p.Facilitator && !(forParticipants && st.Info.Phase == board.Discuss):
				refusal = refuse(http.StatusForbidden, board.CodeForbidden, "only the facilitator may export before the discuss phase")
			default:
				body = render(st, p.Facilitator)
			}
		}); err != nil {
			return err
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

// ready answers from the hub's last ping of the store, at once.
func (srv *server) ready(c echo.Context) error {
	if !srv.hub.StoreUp() {
		return refuse(http.StatusServiceUnavailable, protocol.CodeUnavailable, "the store cannot be reached")
	}
	return c.String(http.StatusOK, "ready")
}

// joinRequest is the body of POST /api/boards/:id/join: the hello's join,
// and the id the client drew for this join, which a retry sends again.
type joinRequest struct {
	protocol.Join
	ID string `json:"id"`
}

type joinResponse struct {
	Token string `json:"token"`
	You   string `json:"you"`
}

// joinBoard serves POST /api/boards/:id/join (hub.Board.Join).
func (srv *server) joinBoard(c echo.Context) error {
	ctx := c.Request().Context()
	b, err := srv.hub.Board(ctx, c.Param("id"), c.RealIP())
	if err != nil {
		return err
	}
	body, err := io.ReadAll(http.MaxBytesReader(c.Response(), c.Request().Body, protocol.MaxFrame))
	if err != nil {
		return err
	}
	var req joinRequest
	if err := protocol.Strict(body, &req); err != nil {
		return refuse(http.StatusBadRequest, protocol.CodeBadFrame, err.Error())
	}
	token, participant, err := b.Join(ctx, req.Join, req.ID)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, joinResponse{Token: token, You: participant})
}

// presenterResponse is a presenter key and the link that opens the
// presenter view with it, on the page's own address: the key after
// #key=, which browsers never send to a server.
type presenterResponse struct {
	Token string `json:"token"`
	Link  string `json:"link"`
}

// presenterKey serves POST /api/boards/:id/presenter: a presenter key for
// the facilitator whose token the request carries (hub.Board.PresenterKey).
func (srv *server) presenterKey(c echo.Context) error {
	b, participant, err := srv.holder(c)
	if err != nil {
		return err
	}
	key, err := b.PresenterKey(participant)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, presenterResponse{Token: key, Link: "/p/" + b.ID() + "#key=" + key})
}

// boardSnapshot serves GET /api/boards/:id/snapshot: the snap frame the
// token's holder would be sent on the websocket, gzipped when the client
// accepts it. ?view=presenter is the presenter's view, as hello's view
// is. ?since=&epoch= is a page coming back after a drop: when the board
// holds every entry after since, it is sent what a hello with them would
// replay, one frame per line, instead (hub.Board.Snapshot).
func (srv *server) boardSnapshot(c echo.Context) error {
	b, participant, err := srv.holder(c)
	if err != nil {
		return err
	}
	since, _ := strconv.ParseUint(c.QueryParam("since"), 10, 64) // 0, the snapshot, if absent or not a seq
	snap, err := b.Snapshot(c.Request().Context(), participant, c.QueryParam("view") == protocol.ViewPresenter, since, c.QueryParam("epoch"))
	if err != nil {
		return err
	}
	hd := c.Response().Header()
	hd.Set("Cache-Control", "no-store")
	hd.Add(echo.HeaderVary, echo.HeaderAcceptEncoding)
	gzipped := strings.Contains(c.Request().Header.Get(echo.HeaderAcceptEncoding), "gzip")
	switch {
	case snap.Resumed:
		return sendResume(c, snap.Frames, gzipped)
	case gzipped:
		hd.Set(echo.HeaderContentEncoding, "gzip")
		return c.Blob(http.StatusOK, echo.MIMEApplicationJSON, snap.Gzipped())
	}
	return c.Blob(http.StatusOK, echo.MIMEApplicationJSON, snap.Plain())
}

// sendResume answers a resume's frames, gzipped if asked. Its first line's
// t, chg, tells it from a snapshot's snap; an empty body means nothing
// changed after since, and is not worth a gzip header.
func sendResume(c echo.Context, frames []byte, gzipped bool) error {
	if !gzipped || len(frames) == 0 {
		return c.Blob(http.StatusOK, mimeFrames, frames)
	}
	var out bytes.Buffer
	zw := gzip.NewWriter(&out)
	_, _ = zw.Write(frames) // a bytes.Buffer's writes cannot fail
	_ = zw.Close()
	c.Response().Header().Set(echo.HeaderContentEncoding, "gzip")
	return c.Blob(http.StatusOK, mimeFrames, out.Bytes())
}

// mimeFrames is the type of a body of frames one per line (JSON Lines).
const mimeFrames = "application/jsonl"
