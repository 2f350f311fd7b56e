package api

import (
	"context"
)

// Image work lives in internal/images (Service); these forward to it until
// each caller has moved to its domain package.

func (s *Server) acceptImage(ctx context.Context, owner, value string) (string, error) {
	return s.images.Accept(ctx, owner, value)
}

func (s *Server) dropImages(ctx context.Context, owners ...string) { s.images.Drop(ctx, owners...) }
