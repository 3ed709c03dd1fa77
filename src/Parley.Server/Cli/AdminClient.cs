using System.CommandLine;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;

namespace Parley.Server.Cli;

/// <summary>
/// The auth service's administration API as the <c>parley tenant</c>, <c>user</c> and <c>apikey</c>
/// commands call it, with the operator token. Every command takes <c>--auth</c> and
/// <c>--operator-token</c> (or <c>PARLEY_OPERATOR_TOKEN</c>). Exit codes: 0 done, 1 the service
/// refused (its error code and message are printed) or could not be reached, 2 a usage error.
/// </summary>
internal sealed class AdminClient : IDisposable
{
    public const string TokenVariable = "PARLEY_OPERATOR_TOKEN";

    private readonly HttpClient _http;
    private readonly string _token;

    private AdminClient(Uri baseAddress, string token)
    {
        _http = new HttpClient { BaseAddress = baseAddress, Timeout = TimeSpan.FromSeconds(30) };
        _token = token;
    }

    /// <summary>Adds <c>--auth</c> and <c>--operator-token</c> to <paramref name="command"/> and runs <paramref name="action"/> with a client.</summary>
    public static void SetAction(Command command, Func<ParseResult, AdminClient, CancellationToken, Task<int>> action)
    {
        var auth = new Option<string>("--auth") { Description = "URL of the auth service.", DefaultValueFactory = _ => "http://localhost:8090" };
        var token = new Option<string?>("--operator-token") { Description = $"The operator token (default: the {TokenVariable} environment variable)." };
        command.Options.Add(auth);
        command.Options.Add(token);
        command.SetAction(async (result, cancellationToken) =>
        {
            var operatorToken = result.GetValue(token) is { Length: > 0 } given ? given : Environment.GetEnvironmentVariable(TokenVariable);
            if (string.IsNullOrWhiteSpace(operatorToken))
            {
                return UsageError($"the operator token is required: --operator-token or the {TokenVariable} environment variable.");
            }

            if (!Uri.TryCreate(result.GetValue(auth), UriKind.Absolute, out var url) || url.Scheme is not ("http" or "https"))
            {
                return UsageError("--auth must be an http or https URL, such as http://localhost:8090.");
            }

            using var client = new AdminClient(url, operatorToken.Trim());
            try
            {
                return await action(result, client, cancellationToken);
            }
            catch (RefusedException e)
            {
                Console.Error.WriteLine($"parley: {e.Code}: {e.Message}");
                return 1;
            }
            catch (HttpRequestException e)
            {
                Console.Error.WriteLine($"parley: cannot reach the auth service at {url}: {e.Message}");
                return 1;
            }
            catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                Console.Error.WriteLine($"parley: the auth service at {url} did not answer in time.");
                return 1;
            }
        });
    }

    /// <summary>Prints a usage error and returns its exit code.</summary>
    public static int UsageError(string message)
    {
        Console.Error.WriteLine("parley: " + message);
        return 2;
    }

    /// <summary>The segment of a path, escaped.</summary>
    public static string Segment(string value) => Uri.EscapeDataString(value);

    /// <summary>A secret option's value; "-" reads it from the first line of standard input, so it stays out of the process list.</summary>
    public static string Secret(string value) => value == "-" ? (Console.In.ReadLine() ?? "") : value;

    /// <summary>Sends a request; returns the JSON answer (default for an empty one) or throws <see cref="RefusedException"/> with the service's error.</summary>
    public async Task<JsonElement> SendAsync(HttpMethod method, string path, object? body, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(method, path.TrimStart('/'));
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", _token);
        if (body is not null)
        {
            request.Content = JsonContent.Create(body);
        }

        using var response = await _http.SendAsync(request, cancellationToken);
        var text = await response.Content.ReadAsStringAsync(cancellationToken);
        JsonElement json = default;
        if (text.Length > 0)
        {
            try
            {
                json = JsonDocument.Parse(text).RootElement.Clone();
            }
            catch (JsonException)
            {
                throw new RefusedException("http_" + (int)response.StatusCode, $"the answer was not JSON (HTTP {(int)response.StatusCode}); is {_http.BaseAddress} the auth service?");
            }
        }

        if (!response.IsSuccessStatusCode)
        {
            var error = json.ValueKind == JsonValueKind.Object && json.TryGetProperty("error", out var e) ? e : default;
            throw error.ValueKind == JsonValueKind.Object
                ? new RefusedException(error.GetProperty("code").GetString() ?? "error", error.GetProperty("message").GetString() ?? "")
                : new RefusedException("http_" + (int)response.StatusCode, response.ReasonPhrase ?? "the request failed");
        }

        return json;
    }

    public void Dispose() => _http.Dispose();

    /// <summary>The service answered with an error.</summary>
    public sealed class RefusedException(string code, string message) : Exception(message)
    {
        public string Code { get; } = code;
    }
}
