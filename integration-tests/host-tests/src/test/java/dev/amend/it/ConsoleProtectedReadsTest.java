package dev.amend.it;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.Keys;

/**
 * The console of a host started with {@code amend.auth.protect-reads=true}: the page itself loads, says that reading
 * needs the token and shows nothing of the host; with the token it reads, generates and follows an edit job's stream
 * (fetched with the Authorization header, which an EventSource could not send). Skips without chromium.
 */
class ConsoleProtectedReadsTest extends ConsoleTestCase {

    @BeforeAll
    static void start() throws IOException {
        browser = ConsoleBrowser.onNewHost(work, ConsoleProtectedReadsTest.class, "-Damend.auth.protect-reads=true");
    }

    @Test
    void readsWaitForTheTokenAndTheJobStreamCarriesIt() {
        browser.open();
        assertTrue(browser.awaitText("reads-banner", "protects reads", 30).contains("enter its token"));
        assertFalse(browser.byId("models-table").getText().contains("demo"), "nothing read without the token");
        browser.section("edit");
        assertFalse(browser.byId("edit-submit").isEnabled());

        browser.type("token", HostProcess.TOKEN);
        browser.byId("token").sendKeys(Keys.ENTER);
        browser.section("models");
        browser.awaitText("models-table", "demo", 30);
        assertFalse(browser.byId("reads-banner").isDisplayed(), "the banner goes once the token reads");
        assertTrue(browser.generate("The capital of France is").contains("Paris"));

        browser.section("edit");
        browser.choose("edit-method", "rome");
        browser.type("edit-prompt", "The capital of {} is");
        browser.type("edit-subject", "Germany");
        browser.type("edit-target", " Oslo");
        browser.byId("edit-submit").click();
        browser.awaitText("edit-result", "applied", 300);
        assertTrue(browser.byId("edit-progress-text").getText().contains("succeeded"));
        assertTrue(browser.followedAJobStream(), "progress came from the job stream");
    }
}
