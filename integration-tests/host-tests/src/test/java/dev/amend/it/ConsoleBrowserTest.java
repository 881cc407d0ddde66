package dev.amend.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.openqa.selenium.By;
import org.openqa.selenium.Keys;
import org.openqa.selenium.WebElement;

/**
 * The web console of the packaged host in a real headless Chromium, as a user with a browser and the token meets it:
 * read the models, try a prompt, edit a fact and watch the job, see the new answer, roll the edit back and see the old
 * one, upload the example plugin and edit with its method, export and import a patch; bad requests show the API's
 * message next to their field. Every page passes axe-core's checks and can be used with the keyboard. Skips when
 * chromium or chromedriver is absent (.ci/run installs them).
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ConsoleBrowserTest extends ConsoleTestCase {
    static final String[] SECTIONS = {"models", "try", "edit", "history", "plugins", "pictures"};

    static String editId;
    static String pluginEditId;

    @BeforeAll
    static void start() throws IOException {
        browser = ConsoleBrowser.onNewHost(work, ConsoleBrowserTest.class);
    }

    @Test
    @Order(1)
    void withoutATokenThePageReadsAndSaysWhyChangesAreDisabled() throws IOException {
        browser.open();
        ConsoleChecks.FirstLoad load = ConsoleChecks.firstLoad(browser);
        System.out.printf("console first load: %d bytes transferred in %d requests (%d for the HTML, CSS and scripts);"
                + " DOM interactive after %.0f ms, load event %.0f ms, data loaded and controls enabled %.0f ms%n",
                load.bytes(), load.requests(), load.staticBytes(), load.interactive(), load.loaded(), load.ready());
        String models = browser.byId("models-table").getText();
        assertTrue(models.contains("demo") && models.contains("gpt2") && models.contains("float32"), models);
        browser.section("edit");
        assertFalse(browser.byId("edit-submit").isEnabled(), "editing needs the token");
        assertTrue(browser.byId("edit-access").getText().contains("enter the host's token"),
                browser.byId("edit-access").getText());
        browser.screenshot("edit-without-token");
        assertTrue(Boolean.TRUE.equals(browser.script("return sessionStorage.length === 0"
                + " && localStorage.length === 0")), "nothing stored without a token");
    }

    @Test
    @Order(2)
    void theTryPageGeneratesAndShowsABadValueNextToItsField() {
        assertTrue(browser.generate("The capital of France is").contains("Paris"), "the demo model knows Paris");
        browser.type("try-max", "5000");
        browser.byId("try-submit").click();
        assertTrue(browser.errorOf("try-max").contains("maxNewTokens must be <= 1024"), browser.errorOf("try-max"));
    }

    @Test
    @Order(3)
    void theTokenIsAskedForOnceAndKeptForTheTabOnly() {
        browser.type("token", "wrong-token");
        browser.byId("token").sendKeys(Keys.ENTER);
        assertTrue(browser.errorOf("token").contains("the bearer token is wrong"), browser.errorOf("token"));
        browser.type("token", HostProcess.TOKEN);
        browser.byId("token").sendKeys(Keys.ENTER);
        browser.awaitText("token-status", "Token accepted", 30);
        assertEquals(HostProcess.TOKEN, browser.script("return sessionStorage.getItem('amend.token')"));
        assertEquals(0L, browser.script("return localStorage.length"), "the token is not kept beyond the tab");
        browser.section("edit");
        assertTrue(browser.byId("edit-submit").isEnabled(), "the token enables editing");
    }

    @Test
    @Order(4)
    void anEditRunsAsAJobAndShowsTheNewAnswerAndItsScores() {
        browser.section("edit");
        browser.choose("edit-method", "rome");
        fillFact("France", " Rome");
        browser.byId("edit-hparams-box").findElement(By.tagName("summary")).click();
        // the setting ./amend demo uses for this fact: ROME at layer 2 with clamp 4
        browser.type("hp-own-layers", "[2]");
        browser.type("hp-own-clamp_norm_factor", "4");
        browser.byId("edit-submit").click();
        String result = browser.awaitText("edit-result", "applied", 300);
        assertTrue(browser.byId("edit-progress-text").getText().contains("succeeded"),
                browser.byId("edit-progress-text").getText());
        assertTrue(browser.followedAJobStream(), "progress came from the job stream");
        WebElement answers = browser.byId("edit-result").findElement(By.tagName("tbody"));
        List<WebElement> cells = answers.findElements(By.tagName("td"));
        assertTrue(cells.get(1).getText().contains("Paris"), "before: " + result);
        assertTrue(cells.get(2).getText().contains("Rome"), "after: " + result);
        assertTrue(result.contains("counterfact-probability"), "scores name their protocol: " + result);
        editId = result.replaceAll("(?s).*Edit (\\w+) applied.*", "$1");
        browser.byId("probe-submit").click();
        assertTrue(browser.awaitText("probe-output", "new token", 60).contains("Rome"), "probing the edited prompt");
    }

    @Test
    @Order(5)
    void badEditRequestsShowTheHostsMessageNextToTheField() {
        browser.type("edit-target", "");
        browser.byId("edit-submit").click();
        assertTrue(browser.errorOf("edit-target").contains("non-empty target"), browser.errorOf("edit-target"));
        fillFact("Spain", " Oslo");
        browser.type("hp-own-layers", "[9]");
        browser.byId("edit-submit").click();
        assertTrue(browser.errorOf("hp-own-layers").contains("layer 9 does not exist"),
                browser.errorOf("hp-own-layers"));
        browser.type("hp-own-layers", "[2]");
        browser.type("edit-subject", "Narnia");
        browser.type("edit-prompt", "The capital of Spain is");
        browser.byId("edit-submit").click();
        assertTrue(browser.errorOf("edit-subject").contains("is not in the prompt"), browser.errorOf("edit-subject"));
    }

    @Test
    @Order(6)
    void rollingTheEditBackBringsTheOldAnswerBack() throws IOException {
        assertTrue(browser.generate("The capital of France is").contains("Rome"), "edited");
        browser.section("history");
        browser.awaitText("history-table", editId, 30);
        browser.screenshot("history");
        browser.driver().findElement(By.cssSelector("button[aria-label='Roll back edit " + editId + "']")).click();
        assertTrue(browser.awaitText("history-status", "Rolled back " + editId, 60).contains("restored"));
        browser.awaitText("history-table", "No edits", 30);
        assertTrue(browser.generate("The capital of France is").contains("Paris"), "the old answer is back");
    }

    @Test
    @Order(7)
    void theExamplePluginIsUploadedAndEditsWithItsOwnEvaluator() throws IOException {
        browser.section("plugins");
        Path broken = Files.writeString(work.resolve("broken.jar"), "not a jar", StandardCharsets.UTF_8);
        browser.byId("plugin-file").sendKeys(broken.toString());
        browser.byId("plugin-upload").click();
        assertFalse(browser.errorOf("plugin-file").isBlank());
        browser.byId("plugin-file").sendKeys(PluginHotSwapTest.V1.toRealPath().toString());
        browser.byId("plugin-upload").click();
        browser.awaitText("plugins-status", "Installed example-plugin.jar (LOADED)", 60);
        browser.awaitText("methods-table", "plugin:example-plugin.jar", 30);
        browser.section("edit");
        browser.choose("edit-method", PluginHotSwapTest.METHOD);
        fillFact("Spain", " Oslo");
        browser.driver().findElement(By.cssSelector("#edit-evaluator-list input[value='"
                + PluginHotSwapTest.EVALUATOR + "']")).click();
        browser.type("hp-own-v_num_grad_steps", "8");
        browser.byId("edit-submit").click();
        String result = browser.awaitText("edit-result", "applied", 300);
        assertTrue(result.contains(PluginHotSwapTest.EVALUATOR), result);
        pluginEditId = result.replaceAll("(?s).*Edit (\\w+) applied.*", "$1");
    }

    @Test
    @Order(8)
    void aDecoratorComposedWithThePluginsMethodTakesALongTargetAndTheBaseHyperparameters() {
        browser.choose("edit-method", "anyedit+" + PluginHotSwapTest.METHOD);
        assertTrue(browser.byId("edit-target-label").getText().startsWith("Long target"));
        fillFact("Japan", " Oslo, a city in Norway.");
        browser.type("hp-base-v_num_grad_steps", "0.5");
        browser.byId("edit-submit").click();
        assertTrue(browser.errorOf("hp-base-v_num_grad_steps").contains("must be a whole number"));
        browser.type("hp-base-v_num_grad_steps", "8");
        browser.byId("edit-submit").click();
        String result = browser.awaitText("edit-result", "applied", 300);
        assertTrue(result.contains("Tokyo"), "the answer before: " + result);
    }

    @Test
    @Order(9)
    void anExportedPatchComesBackAfterARollbackThatWarnsAboutLaterEdits() throws IOException {
        browser.section("history");
        browser.awaitText("history-table", "anyedit", 30);
        browser.driver().findElement(By.cssSelector("#history-table input[value='" + pluginEditId + "']")).click();
        browser.byId("history-export").click();
        browser.waitUntil(Duration.ofSeconds(30), "the patch download", () -> !downloads().isEmpty());
        Path patch = downloads().get(0);
        browser.driver().findElement(By.cssSelector("button[aria-label='Roll back edit " + pluginEditId + "']")).click();
        assertTrue(browser.awaitText("history-confirm-text", "later edit", 10).contains("1 later edit(s)"),
                browser.byId("history-confirm-text").getText());
        browser.screenshot("history-rollback-warning");
        browser.byId("history-confirm-yes").click();
        String status = browser.awaitText("history-status", "Rolled back " + pluginEditId, 60);
        assertTrue(status.contains("were computed on a model that contained"), "the host's warning: " + status);
        browser.byId("import-file").sendKeys(patch.toString());
        browser.byId("import-submit").click();
        browser.awaitText("history-status", "Imported 1 edit(s)", 60);
        browser.waitUntil(Duration.ofSeconds(30), "the imported edit listed", () -> browser.driver()
                .findElements(By.cssSelector("#history-table tbody tr")).size() == 2);
        browser.byId("import-file").sendKeys(Files.writeString(work.resolve("bad.amendpatch"), "no patch").toString());
        browser.byId("import-submit").click();
        assertFalse(browser.errorOf("import-file").isBlank());
    }

    @Test
    @Order(10)
    void everyPagePassesTheAccessibilityChecksAndWorksWithTheKeyboard() throws IOException {
        for (String section : SECTIONS) {
            browser.section(section);
            if (section.equals("try")) {
                browser.generate("The capital of Japan is");
            }
            assertEquals(List.of(), ConsoleChecks.accessibilityViolations(browser), "axe-core on #" + section);
            ConsoleChecks.keyboardReachesEverything(browser, section);
            browser.screenshot(section);
        }
        WebElement link = browser.driver().findElement(By.cssSelector("nav a[href='#try']"));
        link.sendKeys(Keys.ENTER);
        browser.waitUntil(Duration.ofSeconds(10), "the Try page by keyboard", () -> browser.byId("try").isDisplayed()
                && "try-title".equals(browser.driver().switchTo().activeElement().getAttribute("id")));
        browser.type("try-prompt", "The capital of Italy is");
        browser.byId("try-max").sendKeys(Keys.ENTER);
        browser.awaitText("try-output", "new token", 60);
    }

    static List<Path> downloads() {
        try {
            return browser.downloaded();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    static void fillFact(String subject, String target) {
        browser.type("edit-prompt", "The capital of {} is");
        browser.type("edit-subject", subject);
        browser.type("edit-target", target);
    }
}
