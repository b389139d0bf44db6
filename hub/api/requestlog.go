package api

import (
	"log/slog"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"
)

// logRequests logs one line per request, once the error handler has
// answered it. The path is logged without its query string, and no
// header: a token belongs in the Authorization header and never in a log,
// but a client may still put one in a query string.
func (srv *server) logRequests() echo.MiddlewareFunc {
	return middleware.RequestLoggerWithConfig(middleware.RequestLoggerConfig{
		LogMethod:   true,
		LogURIPath:  true,
		LogStatus:   true,
		LogLatency:  true,
		HandleError: true,
		LogValuesFunc: func(c echo.Context, v middleware.RequestLoggerValues) error {
			srv.hub.Logger().LogAttrs(c.Request().Context(), slog.LevelInfo, "http",
				slog.String("method", v.Method), slog.String("path", v.URIPath),
				slog.Int("status", v.Status), slog.Duration("duration", v.Latency))
			return nil
		},
	})
}
