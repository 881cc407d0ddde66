package dev.amend.it;

import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;

/**
 * What the console's browser tests share: a work folder, the browser on a new host (set by each test class's
 * {@code @BeforeAll} through {@link ConsoleBrowser#onNewHost}), a skip when the browser is not installed, and the
 * closing of both. The test classes run one after the other.
 */
abstract class ConsoleTestCase {
    @TempDir
    static Path work;
    static ConsoleBrowser browser;

    @BeforeEach
    void needsTheBrowser() {
        Assumptions.assumeTrue(browser != null, ConsoleBrowser.missing());
    }

    @AfterAll
    static void stop() {
        if (browser != null) {
            browser.close();
            browser = null;
        }
    }
}
