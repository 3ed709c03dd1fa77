using System.CommandLine;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Parley.Server.Cluster.Local;

namespace Parley.Server.Cli;

/// <summary>
/// The auth service's API as the <c>parley tenant</c>, <c>user</c>, <c>apikey</c> and <c>login</c>
/// commands call it. The service's address is <c>--auth</c>, else <c>PARLEY_AUTH_URL</c>, else that
/// of the local cluster running on <c>--state</c> (its <see cref="ClusterFile"/>), else
/// http://localhost:8090; the operator token is <c>--operator-token</c>, else
/// <c>PARLEY_OPERATOR_TOKEN</c>, else the local cluster's when its address was taken from there
/// too (a token is never sent to an address it was not issued with). Whatever came from the
/// cluster's file is said on standard error. Exit codes: 0 done, 1 the service refused (its error
/// code and message are printed) or could not be reached, 2 a usage error.
/// </summary>
internal sealed class AdminClient : IDisposable
{
    public const string TokenVariable = "PARLEY_OPERATOR_TOKEN";

    public const string UrlVariable = "PARLEY_AUTH_URL";

    /// <summary>Where <c>parley auth serve</c> listens by default.</summary>
    public const string DefaultUrl = "http://localhost:8090";

    private readonly HttpClient _http;
    private readonly string? _token;

    private AdminClient(Uri baseAddress, string? token)
    {
        // A base with a path (https://example.com/auth) keeps it only with a trailing slash.
        _http = new HttpClient { BaseAddress = new Uri(baseAddress.ToString().TrimEnd('/') + "/"), Timeout = TimeSpan.FromSeconds(30) };
        _token = token;
    }

    /// <summary>Adds <c>--auth</c>, <c>--operator-token</c> and <c>--state</c> to <paramref name="command"/> and runs <paramref name="action"/> with an operator's client.</summary>
    public static void SetAction(Command command, Func<ParseResult, AdminClient, CancellationToken, Task<int>> action)
        => SetAction(command, action, needsOperator: true);

    /// <summary>As <see cref="SetAction(Command, Func{ParseResult, AdminClient, CancellationToken, Task{int}})"/>; without <paramref name="needsOperator"/> the client sends no operator token (a user's login).</summary>
    public static void SetAction(Command command, Func<ParseResult, AdminClient, CancellationToken, Task<int>> action, bool needsOperator)
    {
        var auth = new Option<string?>("--auth") { Description = $"URL of the auth service. Default: the {UrlVariable} environment variable, else the local cluster's (see --state), else {DefaultUrl}." };
        var token = new Option<string?>("--operator-token") { Description = $"The operator token. Default: the {TokenVariable} environment variable, else the local cluster's when its auth service is used." };
        var state = ClusterCommand.StateOption();
        command.Options.Add(auth);
        if (needsOperator)
        {
            command.Options.Add(token);
        }

        command.Options.Add(state);
        command.SetAction(async (result, cancellationToken) =>
        {
            var target = Resolve(result.GetValue(auth), needsOperator ? result.GetValue(token) : null, Path.GetFullPath(result.GetValue(state)!), needsOperator);
            if (target.Note is not null)
            {
                Console.Error.WriteLine("parley: " + target.Note);
            }

            if (needsOperator && string.IsNullOrWhiteSpace(target.Token))
            {
                return UsageError($"the operator token is required: --operator-token or the {TokenVariable} environment variable (or a local cluster started with 'parley cluster up').");
            }

            if (!Uri.TryCreate(target.Url, UriKind.Absolute, out var url) || url.Scheme is not ("http" or "https"))
            {
                return UsageError($"--auth must be an http or https URL, such as {DefaultUrl}.");
            }

            using var client = new AdminClient(url, needsOperator ? target.Token!.Trim() : null);
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

    /// <summary>
    /// The auth service's address and the operator token, from the options, the environment or
    /// the file of the local cluster running on <paramref name="stateDirectory"/>; <c>Note</c> says
    /// what was taken from that file, or is null.
    /// </summary>
    internal static (string Url, string? Token, string? Note) Resolve(string? authOption, string? tokenOption, string stateDirectory, bool needsOperator = true)
    {
        static string? Given(string? value) => string.IsNullOrWhiteSpace(value) ? null : value;
        var url = Given(authOption) ?? Given(Environment.GetEnvironmentVariable(UrlVariable));
        var token = Given(tokenOption) ?? Given(Environment.GetEnvironmentVariable(TokenVariable));
        if (url is not null)
        {
            return (url, token, null);
        }

        if (ClusterFile.TryRead(stateDirectory) is { } cluster)
        {
            var what = token is null && needsOperator ? "auth service and operator token" : "auth service";
            return (cluster.AuthUrl, needsOperator ? token ?? cluster.OperatorToken : null, $"using the local cluster's {what} ({cluster.AuthUrl}, from {ClusterFile.PathIn(stateDirectory)}).");
        }

        return (DefaultUrl, token, null);
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
        if (_token is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", _token);
        }
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

    /// <summary>The auth service's address.</summary>
    public Uri BaseAddress => _http.BaseAddress!;

    public void Dispose() => _http.Dispose();

    /// <summary>The service answered with an error.</summary>
    public sealed class RefusedException(string code, string message) : Exception(message)
    {
        public string Code { get; } = code;
    }
}
