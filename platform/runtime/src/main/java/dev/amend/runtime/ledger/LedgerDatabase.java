package dev.amend.runtime.ledger;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.Properties;

/**
 * Where a shared ledger's PostgreSQL database is and how to log in: a {@code jdbc:postgresql://} URL, a user and a
 * password (given, or read from a secret file). {@link #location()} is the URL with any password removed, for
 * messages and logs.
 *
 * @param url            the JDBC URL ({@code jdbc:postgresql://host:port/database})
 * @param user           the user, or null to take it from the URL
 * @param password       the password, or null to take it from the URL (or none)
 * @param connectSeconds how long to wait for the database to answer a new connection
 */
public record LedgerDatabase(String url, String user, String password, int connectSeconds) {
    /** The URL prefix a shared ledger needs. */
    public static final String PREFIX = "jdbc:postgresql://";

    /** Checks the URL. */
    public LedgerDatabase {
        if (url == null || !url.startsWith(PREFIX)) {
            throw new LedgerException("amend.ledger.url must start with " + PREFIX + " (got \"" + redact(url)
                    + "\"): for example jdbc:postgresql://db:5432/amend");
        }
        if (connectSeconds < 1) {
            throw new LedgerException("the connect timeout must be at least 1 s, got " + connectSeconds);
        }
    }

    /**
     * Returns the settings for {@code url}, {@code user} and the password: {@code password} when given, else the
     * first line of {@code passwordFile} (a mounted secret) when given, else none.
     *
     * @throws LedgerException when the password file cannot be read
     */
    public static LedgerDatabase of(String url, String user, String password, Path passwordFile) {
        String secret = password;
        if ((secret == null || secret.isEmpty()) && passwordFile != null) {
            try {
                secret = Files.readString(passwordFile, StandardCharsets.UTF_8).lines().findFirst().orElse("");
            } catch (IOException e) {
                throw new LedgerException("cannot read the ledger database's password file " + passwordFile + " ("
                        + e.getMessage() + "): set amend.ledger.password-file to a readable file");
            }
        }
        return new LedgerDatabase(url, blankToNull(user), blankToNull(secret), 10);
    }

    /** Returns the URL without its password, for messages. */
    public String location() {
        return redact(url);
    }

    /** Returns {@code url} with the value of any {@code password} parameter replaced by {@code ***}. */
    public static String redact(String url) {
        return url == null ? null : url.replaceAll("(?i)(password=)[^&;]*", "$1***");
    }

    /**
     * Returns a new connection (auto-commit on), or throws {@link LedgerUnavailableException} naming the URL
     * without the password when the database does not answer or refuses the login.
     */
    public Connection connect() {
        return connect(0);
    }

    /**
     * Returns a new connection as {@link #connect()} does, on which a read waits at most {@code socketSeconds} for the
     * database (0: no limit), so a database that stops answering without closing the connection fails the call.
     */
    public Connection connect(int socketSeconds) {
        Properties p = new Properties();
        if (user != null) {
            p.setProperty("user", user);
        }
        if (password != null) {
            p.setProperty("password", password);
        }
        p.setProperty("connectTimeout", String.valueOf(connectSeconds));
        p.setProperty("loginTimeout", String.valueOf(connectSeconds));
        p.setProperty("tcpKeepAlive", "true");
        p.setProperty("socketTimeout", String.valueOf(socketSeconds));
        p.setProperty("ApplicationName", "amend");
        try {
            return DriverManager.getConnection(url, p);
        } catch (SQLException e) {
            throw new LedgerUnavailableException("the ledger database " + location() + " does not answer ("
                    + redact(e.getMessage()) + "): check amend.ledger.url, that PostgreSQL runs there and"
                    + " accepts amend.ledger.user with its password", e);
        }
    }

    /** Returns the settings with the password hidden. */
    @Override
    public String toString() {
        return "LedgerDatabase[" + location() + ", user=" + user + "]";
    }

    private static String blankToNull(String s) {
        return s == null || s.isBlank() ? null : s;
    }
}
