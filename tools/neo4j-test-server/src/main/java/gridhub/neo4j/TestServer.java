package gridhub.neo4j;

import java.io.FileOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

import org.neo4j.configuration.GraphDatabaseInternalSettings;
import org.neo4j.configuration.GraphDatabaseSettings;
import org.neo4j.configuration.connectors.BoltConnector;
import org.neo4j.configuration.connectors.HttpConnector;
import org.neo4j.configuration.connectors.HttpsConnector;
import org.neo4j.configuration.helpers.SocketAddress;
import org.neo4j.dbms.api.DatabaseManagementService;
import org.neo4j.dbms.api.DatabaseManagementServiceBuilder;
import org.neo4j.io.ByteUnit;
import org.neo4j.logging.log4j.Log4jLogProvider;

/**
 * Runs a real Neo4j DBMS in-process with only a Bolt listener, for the Python test suite
 * (tests/support/neo4j_server.py). Test use only: no TLS, loopback only, and no auth unless
 * {@code --auth} is given: then the {@code neo4j} user's password is the value of the
 * environment variable {@code NEO4J_TEST_PASSWORD} (never an argument: those show in {@code ps}),
 * as a production server is set up (the deployment test runs the hub against it).
 *
 * <p>Protocol with the parent process: stdout carries exactly one line,
 * {@code NEO4J_READY bolt://127.0.0.1:PORT}, once Bolt accepts connections. The server then
 * lives until stdin reaches EOF or the JVM gets SIGTERM. Watching stdin means the server also
 * goes away when the parent dies without cleaning up (its end of the pipe is closed by the OS).
 */
public final class TestServer {

    private TestServer() {}

    public static void main(String[] args) throws IOException {
        int port = -1;
        Path home = null;
        boolean auth = false;
        for (int i = 0; i < args.length; i++) {
            String value = i + 1 < args.length ? args[i + 1] : null;
            switch (args[i]) {
                case "--port" -> { port = Integer.parseInt(require(value, "--port")); i++; }
                case "--home" -> { home = Path.of(require(value, "--home")); i++; }
                case "--auth" -> auth = true;
                default -> usage("unknown argument: " + args[i]);
            }
        }
        if (port <= 0 || port > 65535 || home == null) {
            usage("both --port (1-65535) and --home are required");
        }
        String password = System.getenv("NEO4J_TEST_PASSWORD");
        if (auth && (password == null || password.length() < 8)) {
            usage("--auth needs NEO4J_TEST_PASSWORD (8 characters or more) in the environment");
        }
        Files.createDirectories(home);

        // The user log goes to a file so stdout stays reserved for the READY line; the debug
        // log already lands in HOME/logs/debug.log. Both die with the temp home.
        OutputStream userLog = new FileOutputStream(home.resolve("neo4j-user.log").toFile(), true);
        Log4jLogProvider logProvider = new Log4jLogProvider(userLog);

        DatabaseManagementService dbms = new DatabaseManagementServiceBuilder(home)
                .setUserLogProvider(logProvider)
                .setConfig(GraphDatabaseSettings.auth_enabled, auth)
                .setConfig(BoltConnector.enabled, true)
                .setConfig(BoltConnector.listen_address, new SocketAddress("127.0.0.1", port))
                .setConfig(BoltConnector.advertised_address, new SocketAddress("127.0.0.1", port))
                .setConfig(BoltConnector.encryption_level, BoltConnector.EncryptionLevel.DISABLED)
                .setConfig(HttpConnector.enabled, false)
                .setConfig(HttpsConnector.enabled, false)
                // Test data is tiny; the default page cache sizing would claim half the RAM. A
                // bench on an imported city-sized database sizes it (NEO4J_TEST_PAGECACHE_MB).
                .setConfig(GraphDatabaseSettings.pagecache_memory, ByteUnit.mebiBytes(pageCacheMb()))
                // Small, non-preallocated, non-retained tx logs keep the temp home small and fast.
                .setConfig(GraphDatabaseSettings.logical_log_rotation_threshold, ByteUnit.mebiBytes(16))
                .setConfig(GraphDatabaseSettings.preallocate_logical_logs, false)
                .setConfig(GraphDatabaseSettings.keep_logical_logs, "keep_none")
                // No phoning home from test runs (and no internet here anyway).
                .setConfig(GraphDatabaseSettings.udc_enabled, false)
                // Don't let a stuck test transaction hold up teardown.
                .setConfig(GraphDatabaseSettings.shutdown_transaction_end_timeout, Duration.ofSeconds(5))
                // Bolt's two netty event loop groups each wait out a 5 s quiet period on shutdown,
                // which would add 10 s to every test session. Internal setting, hence pinned version.
                .setConfig(GraphDatabaseInternalSettings.netty_server_shutdown_quiet_period, 0)
                .build();

        // One shutdown path for both SIGTERM and stdin EOF (which calls System.exit below).
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                dbms.shutdown();
            } finally {
                logProvider.close();
            }
        }, "neo4j-test-server-shutdown"));

        if (auth) {
            // The embedded API is not subject to auth: it sets the initial password, as
            // `neo4j-admin dbms set-initial-password` (or NEO4J_AUTH in the image) would.
            dbms.database("system").executeTransactionally(
                    "ALTER USER neo4j SET PASSWORD $password CHANGE NOT REQUIRED",
                    Map.of("password", password));
        }

        System.out.println("NEO4J_READY bolt://127.0.0.1:" + port);
        System.out.flush();

        // Block until the parent closes our stdin (or dies). Input content is ignored.
        InputStream in = System.in;
        byte[] buffer = new byte[256];
        try {
            while (in.read(buffer) != -1) {
                // discard
            }
        } catch (IOException ignored) {
            // A broken stdin means the parent is gone, same as EOF.
        }
        System.exit(0);
    }

    private static long pageCacheMb() {
        String value = System.getenv("NEO4J_TEST_PAGECACHE_MB");
        if (value == null || value.isBlank()) {
            return 256;
        }
        try {
            long mb = Long.parseLong(value.trim());
            if (mb >= 8) {
                return mb;
            }
        } catch (NumberFormatException ignored) {
            // reported below
        }
        usage("NEO4J_TEST_PAGECACHE_MB must be a whole number of MiB, 8 or more: " + value);
        return 256; // not reached: usage exits
    }

    private static String require(String value, String flag) {
        if (value == null) {
            usage(flag + " needs a value");
        }
        return value;
    }

    private static void usage(String problem) {
        System.err.println("TestServer: " + problem);
        System.err.println("usage: TestServer --port N --home DIR [--auth]  (password: NEO4J_TEST_PASSWORD)");
        System.exit(2);
    }
}
