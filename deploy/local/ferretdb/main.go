// Command ferretdb runs FerretDB 1.x: the MongoDB-wire server of the integration tests (on its SQLite
// backend) and of the local stack (on PostgreSQL, -postgresql-url). See docs/decisions/0004-ferretdb-for-tests.md. It embeds the library because
// FerretDB's own cmd/ferretdb panics when built from another module (it checks a generated version.txt).
package main

import (
	"context"
	"flag"
	"io"
	"log"
	"log/slog"
	"net/url"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"

	"github.com/FerretDB/FerretDB/ferretdb"
)

func main() {
	addr := flag.String("listen-addr", "127.0.0.1:27017", "TCP address to listen on")
	dataDir := flag.String("data-dir", ".data/ferretdb", "directory of the SQLite files, created if missing")
	postgresURL := flag.String("postgresql-url", "", "use this PostgreSQL database instead of SQLite files")
	watchStdin := flag.Bool("exit-on-stdin-eof", false, "stop when stdin closes, so a crashed parent leaves no orphan")
	flag.Parse()

	dir, err := filepath.Abs(*dataDir)
	if err == nil {
		err = os.MkdirAll(dir, 0o755)
	}
	if err != nil {
		log.Fatalf("ferretdb: data dir: %v", err)
	}

	// Warn level: at info FerretDB logs every connection, which drowns the test output.
	logger := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	conf := &ferretdb.Config{
		Listener:  ferretdb.ListenerConfig{TCP: *addr},
		Logger:    logger,
		Handler:   "sqlite",
		SQLiteURL: (&url.URL{Scheme: "file", Path: dir + "/"}).String(),
	}
	if *postgresURL != "" {
		conf.Handler = "postgresql"
		conf.PostgreSQLURL = *postgresURL
	}
	f, err := ferretdb.New(conf)
	if err != nil {
		log.Fatalf("ferretdb: %v", err)
	}

	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	if *watchStdin {
		go func() {
			_, _ = io.Copy(io.Discard, os.Stdin)
			stop()
		}()
	}

	log.Printf("ferretdb: listening on %s, %s backend", *addr, conf.Handler)
	if err := f.Run(ctx); err != nil {
		log.Fatalf("ferretdb: %v", err)
	}
}
