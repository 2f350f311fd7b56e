package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"
	"unicode/utf8"

	"github.com/spf13/cobra"

	"bobbin/internal/app"
	"bobbin/internal/store"
)

// mailCommands are `bobbin mail list|retry`: the operator's view of the
// mail queue (internal/courier), on the same database as the servers.
func mailCommands(getenv func(string) string, stdout, stderr io.Writer) *cobra.Command {
	root := &cobra.Command{
		Use:   "mail",
		Short: "The mail queue: list, retry",
		Long: `The mail queue: mails waiting for SMTP delivery and those that failed after
the retry window (BACKEND_MAIL_RETRY_WINDOW). Recipients are shown masked.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return &usageError{errors.New("mail: name a command: list or retry")}
		},
	}
	open := func(cmd *cobra.Command) (*app.App, error) { return openForCommand(cmd, getenv, stderr) }
	var status string
	list := &cobra.Command{
		Use:   "list [--status queued|failed]",
		Short: "Show the queued and failed mails",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if status != "" && status != store.MailQueued && status != store.MailFailed {
				return &usageError{fmt.Errorf("mail list: --status is queued or failed, not %q", status)}
			}
			a, err := open(cmd)
			if err != nil {
				return err
			}
			defer a.Close()
			return listMail(cmd.Context(), a.DB, status, stdout)
		},
	}
	list.Flags().StringVar(&status, "status", "", "only the mails of this status (queued or failed)")
	retry := &cobra.Command{
		Use:   "retry [ID...]",
		Short: "Queue failed mails again, due now with a new retry window (no ID: every failed mail)",
		RunE: func(cmd *cobra.Command, args []string) error {
			var ids []int64
			for _, s := range positional(args) {
				id, err := strconv.ParseInt(s, 10, 64)
				if err != nil || id <= 0 {
					return &usageError{fmt.Errorf("mail retry: %q is not a mail id", s)}
				}
				ids = append(ids, id)
			}
			a, err := open(cmd)
			if err != nil {
				return err
			}
			defer a.Close()
			n, err := a.DB.Mail().Requeue(cmd.Context(), time.Now().UnixMilli(), ids...)
			if err != nil {
				return err
			}
			fmt.Fprintf(stdout, "%d mail(s) queued again\n", n)
			return nil
		},
	}
	root.AddCommand(list, retry)
	return root
}

func listMail(ctx context.Context, db *store.DB, status string, out io.Writer) error {
	ms, err := db.Mail().List(ctx, status)
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tKIND\tTO\tSTATUS\tATTEMPTS\tQUEUED\tNEXT\tLAST ERROR")
	for _, m := range ms {
		next := "-"
		if m.Status == store.MailQueued {
			next = stamp(m.NextAt)
		}
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%d\t%s\t%s\t%s\n", m.ID, m.Kind, maskAddress(m.To), m.Status, m.Attempts,
			stamp(m.CreatedAt), next, oneLine(m.LastError))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintf(out, "%d mail(s)\n", len(ms))
	return nil
}

func stamp(ms int64) string { return time.UnixMilli(ms).UTC().Format(time.RFC3339) }

// maskAddress shows enough of an address to tell mails apart, not the
// address: the first letter and the domain.
func maskAddress(a string) string {
	local, domain, ok := strings.Cut(a, "@")
	if !ok || local == "" {
		return "***"
	}
	first, _ := utf8.DecodeRuneInString(local)
	return string(first) + "***@" + domain
}

func oneLine(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) > 120 {
		s = s[:117] + "..."
	}
	return s
}
