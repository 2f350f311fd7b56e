package httpx

import (
	"context"
	"encoding/json"
	"net/http"
	"reflect"
)

// Handler is one endpoint's behaviour and what it takes and gives: the
// request and response body types (zero values, for the OpenAPI
// description) and the success status. Op and its kin make one from a
// typed rule, so the description cannot drift from what the handler does.
type Handler struct {
	Req      any // zero value of the request body type; nil: no body
	Resp     any // zero value of the success body type; nil: empty
	Status   int
	optional bool
	serve    func(w http.ResponseWriter, r *http.Request, optional bool) error
}

// Serve runs the handler; its error is answered by the server.
func (h Handler) Serve(w http.ResponseWriter, r *http.Request) error {
	return h.serve(w, r, h.optional)
}

// OptionalBody lets the body be empty (decoded as the zero request).
func (h Handler) OptionalBody() Handler { h.optional = true; return h }

// Optional reports whether the body may be empty (for the description).
func (h Handler) Optional() bool { return h.optional }

// In is a decoded request: its body, the body's raw top-level fields (to
// tell an absent field from a null one) and the request itself (path
// values, headers, the caller in its context).
type In[T any] struct {
	Body   T
	Fields map[string]json.RawMessage
	R      *http.Request
}

// Caller is the authenticated caller (nil on public routes).
func (in *In[T]) Caller() *Caller { return CallerOf(in.R.Context()) }

// PathID reads an integer path value (404 when it is not one).
func (in *In[T]) PathID(name string) (int64, error) { return PathID(in.R, name) }

// Path reads a path value.
func (in *In[T]) Path(name string) string { return in.R.PathValue(name) }

// IP is the client address.
func (in *In[T]) IP() string { return IP(in.R.Context()) }

// None is the request type of a route that takes no body.
type None struct{}

// Rule is a typed handler: it takes the decoded request and gives the
// response body, or an error that the server answers.
type Rule[Req, Resp any] func(ctx context.Context, in *In[Req]) (Resp, error)

// Op makes an endpoint answering status with the rule's response as JSON.
func Op[Req, Resp any](status int, rule Rule[Req, Resp]) Handler {
	return Handler{Req: reqZero[Req](), Resp: *new(Resp), Status: status,
		serve: func(w http.ResponseWriter, r *http.Request, optional bool) error {
			in, err := decodeIn[Req](r, optional)
			if err != nil {
				return err
			}
			resp, err := rule(r.Context(), in)
			if err != nil {
				return err
			}
			return Encode(w, status, resp)
		}}
}

// OK is Op with 200.
func OK[Req, Resp any](rule Rule[Req, Resp]) Handler { return Op(http.StatusOK, rule) }

// Made is Op with 201 (the answer's result is "created").
func Made[Req, Resp any](rule Rule[Req, Resp]) Handler { return Op(http.StatusCreated, rule) }

// Empty makes an endpoint answering 204 when the rule succeeds.
func Empty[Req any](rule func(ctx context.Context, in *In[Req]) error) Handler {
	return Handler{Req: reqZero[Req](), Status: http.StatusNoContent,
		serve: func(w http.ResponseWriter, r *http.Request, optional bool) error {
			in, err := decodeIn[Req](r, optional)
			if err != nil {
				return err
			}
			if err := rule(r.Context(), in); err != nil {
				return err
			}
			return NoContent(w)
		}}
}

// Raw makes an endpoint that writes its own answer (images, documents,
// redirects, metrics); resp documents its body type, or is nil.
func Raw(status int, resp any, fn func(w http.ResponseWriter, r *http.Request) error) Handler {
	return Handler{Resp: resp, Status: status,
		serve: func(w http.ResponseWriter, r *http.Request, _ bool) error { return fn(w, r) }}
}

var noneType = reflect.TypeFor[None]()

// reqZero is the request type's zero value for the description, or nil
// for None.
func reqZero[Req any]() any {
	if reflect.TypeFor[Req]() == noneType {
		return nil
	}
	return *new(Req)
}

func decodeIn[Req any](r *http.Request, optional bool) (*In[Req], error) {
	in := &In[Req]{R: r}
	if reflect.TypeFor[Req]() == noneType {
		return in, nil
	}
	var err error
	if optional {
		in.Fields, err = DecodeOptional(r, &in.Body)
	} else {
		in.Fields, err = Decode(r, &in.Body)
	}
	return in, err
}
