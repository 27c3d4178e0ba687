import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/** Java client of the matrix: java.net.http.HttpClient GET of the URL; exit 0 on 200. */
public class Fetch {
  public static void main(String[] args) throws Exception {
    HttpClient c = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(20)).build();
    HttpResponse<String> r = c.send(HttpRequest.newBuilder(URI.create(args[0])).timeout(Duration.ofSeconds(20)).build(),
        HttpResponse.BodyHandlers.ofString());
    System.exit(r.statusCode() == 200 ? 0 : 1);
  }
}
