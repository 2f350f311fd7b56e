package api

import (
	"context"
	"net/http"

	"bobbin/internal/apierr"
	bmail "bobbin/internal/mail"
)

// mailAllowed applies the mail limits per recipient and per client address.
func (s *Server) mailAllowed(r *http.Request, recipient string) error {
	now := s.Now()
	if ok, d := s.mailsAddress.Take(s.clientIP(r), now); !ok {
		return apierr.TooManyRequests.Retry(d)
	}
	if ok, d := s.mailsRecipient.Take(s.DB.Vault().EHash(recipient), now); !ok {
		return apierr.TooManyRequests.Retry(d)
	}
	return nil
}

// sendMail renders and sends a mail. Test requests always go to the
// outbox, never over SMTP. A failure is logged and not answered: answering
// it would tell a caller whether an account exists.
func (s *Server) sendMail(ctx context.Context, test bool, kind bmail.Kind, lang, to string, d bmail.Data) {
	m, err := bmail.Compose(kind, lang, to, d)
	if err != nil {
		s.Log.Error("mail compose failed", "kind", string(kind), "err", err)
		return
	}
	var sender bmail.Mailer = s.Mailer
	if test && s.Outbox != nil {
		sender = s.Outbox
	}
	if err := sender.Send(ctx, m); err != nil {
		s.Log.Error("mail send failed", "kind", string(kind), "err", err)
	}
}
