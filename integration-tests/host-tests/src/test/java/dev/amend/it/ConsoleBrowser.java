package dev.amend.it;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import org.openqa.selenium.By;
import org.openqa.selenium.Dimension;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.Select;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The host's web console in a real, headless Chromium driven through chromium-driver (Debian's {@code chromium} and
 * {@code chromium-driver} packages; no driver is downloaded), with the steps a user takes on its pages.
 */
final class ConsoleBrowser implements AutoCloseable {
    private final HostProcess host;
    private final ChromeDriver driver;
    private final Path downloads;

    private ConsoleBrowser(HostProcess host, ChromeDriver driver, Path downloads) {
        this.host = host;
        this.driver = driver;
        this.downloads = downloads;
    }

    /**
     * Returns the executable the system property {@code amend.console.<first name>} names, else the first of
     * {@code names} found on the PATH or in /usr/bin and /usr/lib/chromium.
     */
    static Optional<Path> executable(String... names) {
        String chosen = System.getProperty("amend.console." + names[0]);
        if (chosen != null) {
            return Optional.of(Path.of(chosen)).filter(Files::isExecutable);
        }
        String path = System.getenv().getOrDefault("PATH", "") + ":/usr/bin:/usr/lib/chromium";
        return Stream.of(names).flatMap(n -> Stream.of(path.split(":")).filter(d -> !d.isEmpty())
                .map(d -> Path.of(d, n))).filter(Files::isExecutable).findFirst();
    }

    /** Returns why the browser cannot run here (chromium or chromedriver missing), or null when it can. */
    static String missing() {
        if (executable("chromium", "chromium-browser").isEmpty() || executable("chromedriver").isEmpty()) {
            return "chromium and chromedriver are not installed: install Debian's chromium and chromium-driver"
                    + " packages (apt-get install chromium chromium-driver; .ci/run does this in CI), or name them"
                    + " with -Damend.console.chromium=PATH -Damend.console.chromedriver=PATH";
        }
        return null;
    }

    /**
     * Returns a headless browser (fresh profile, so nothing is cached) on the console of a new packaged host
     * (token {@link HostProcess#TOKEN}, data under {@code work}, plus {@code hostProperties}); null, after printing
     * why, when the browser is not installed, so that {@code test} skips.
     */
    static ConsoleBrowser onNewHost(Path work, Class<?> test, String... hostProperties) throws IOException {
        if (missing() != null) {
            System.out.println("skipping " + test.getSimpleName() + ": " + missing());
            return null;
        }
        Path downloads = Files.createDirectories(work.resolve("downloads"));
        ChromeOptions options = new ChromeOptions();
        options.setBinary(executable("chromium", "chromium-browser").orElseThrow().toFile());
        options.addArguments("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                "--window-size=1280,1000", "--lang=en-GB");
        options.setExperimentalOption("prefs", Map.of("download.default_directory", downloads.toString(),
                "download.prompt_for_download", false));
        ChromeDriverService service = new ChromeDriverService.Builder()
                .usingDriverExecutable(executable("chromedriver").orElseThrow().toFile()).usingAnyFreePort().build();
        HostProcess host = HostProcess.withToken(work.resolve("data"), hostProperties);
        try {
            ChromeDriver driver = new ChromeDriver(service, options);
            driver.manage().timeouts().scriptTimeout(Duration.ofSeconds(60));
            return new ConsoleBrowser(host, driver, downloads);
        } catch (RuntimeException e) {
            host.close();
            throw e;
        }
    }

    /** Returns the driver. */
    ChromeDriver driver() {
        return driver;
    }

    /** Returns the folder downloads are saved in. */
    Path downloads() {
        return downloads;
    }

    /** Opens the console and returns once its first loads are done. */
    void open() {
        driver.get(host.baseUrl() + "/");
        waitUntil(Duration.ofSeconds(60), "the console to be ready",
                () -> "true".equals(script("return document.documentElement.dataset.ready")));
    }

    /** Returns the value of {@code js} run in the page with {@code args}. */
    Object script(String js, Object... args) {
        return ((JavascriptExecutor) driver).executeScript(js, args);
    }

    /** Shows a section by clicking its link in the navigation; returns the section. */
    WebElement section(String id) {
        driver.findElement(By.cssSelector("nav a[href='#" + id + "']")).click();
        return new WebDriverWait(driver, Duration.ofSeconds(10)).until(ExpectedConditions.visibilityOfElementLocated(
                By.id(id)));
    }

    /** Returns the element with this id. */
    WebElement byId(String id) {
        return driver.findElement(By.id(id));
    }

    /** Replaces the text of the field with this id. */
    void type(String id, String text) {
        WebElement field = byId(id);
        field.clear();
        field.sendKeys(text);
    }

    /** Chooses the option with this value in the select with this id, once it is offered. */
    void choose(String id, String value) {
        waitUntil(Duration.ofSeconds(30), "option " + value + " in #" + id, () -> !driver.findElements(
                By.cssSelector("#" + id + " option[value='" + value + "']")).isEmpty());
        new Select(byId(id)).selectByValue(value);
    }

    /** Returns the text of the element with this id once it contains {@code part} (waits up to {@code seconds}). */
    String awaitText(String id, String part, int seconds) {
        waitUntil(Duration.ofSeconds(seconds), "#" + id + " to contain \"" + part + "\"",
                () -> byId(id).getText().contains(part));
        return byId(id).getText();
    }

    /** Returns the message shown next to the field with this id, once there is one. */
    String errorOf(String id) {
        waitUntil(Duration.ofSeconds(30), "a message next to #" + id, () -> !byId(id + "-error").getText().isBlank());
        return byId(id + "-error").getText();
    }

    /** Returns the continuation the Try page shows for {@code prompt}. */
    String generate(String prompt) {
        section("try");
        type("try-prompt", prompt);
        type("try-max", "3");
        script("document.getElementById('try-output').replaceChildren()");
        byId("try-submit").click();
        return awaitText("try-output", "new token", 60);
    }

    /** Returns true when the page read a job's event stream (GET /api/v1/jobs/{id}/events answered 200). */
    boolean followedAJobStream() {
        return Boolean.TRUE.equals(script("return performance.getEntriesByType('resource').some(r =>"
                + " /\\/api\\/v1\\/jobs\\/[^/]+\\/events$/.test(r.name) && r.responseStatus === 200)"));
    }

    /** Saves a screenshot of the page as {@code name}.png in the folder the build names (amend.console.screenshots). */
    void screenshot(String name) throws IOException {
        Path dir = Path.of(System.getProperty("amend.console.screenshots", "target/console-screenshots"));
        Files.createDirectories(dir);
        Dimension window = driver.manage().window().getSize();
        long height = ((Number) script("return document.documentElement.scrollHeight")).longValue();
        driver.manage().window().setSize(new Dimension(window.getWidth(), (int) Math.max(window.getHeight(),
                Math.min(height + 140, 4000))));
        script("document.activeElement && document.activeElement.blur(); window.scrollTo(0, 0)");
        Files.write(dir.resolve(name + ".png"), ((TakesScreenshot) driver).getScreenshotAs(OutputType.BYTES));
        driver.manage().window().setSize(window);
    }

    /** Waits until {@code condition} holds, failing with {@code what} after {@code timeout}. */
    void waitUntil(Duration timeout, String what, java.util.function.BooleanSupplier condition) {
        new WebDriverWait(driver, timeout).withMessage(() -> "waited for " + what + "; the page says:\n"
                + driver.findElement(By.tagName("main")).getText()).until(d -> condition.getAsBoolean());
    }

    /** Returns the files in the downloads folder. */
    List<Path> downloaded() throws IOException {
        try (Stream<Path> files = Files.list(downloads)) {
            return files.filter(p -> !p.getFileName().toString().endsWith(".crdownload")).toList();
        }
    }

    /** Closes the browser, then stops the host. */
    @Override
    public void close() {
        try {
            driver.quit();
        } finally {
            host.close();
        }
    }
}
