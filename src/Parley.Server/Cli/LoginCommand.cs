using System.CommandLine;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Parley.Server.Cluster.Local;

namespace Parley.Server.Cli;

/// <summary>
/// <c>parley login --tenant T --user U</c>: logs a user in to the auth service (the local
/// cluster's unless told otherwise, as the administration commands) and prints the access token
/// on standard output, so <c>TOKEN=$(parley login …)</c> works; the pair (access and refresh
/// token) is also stored in <c>login.json</c> in the state directory, readable by the owner only.
/// The password is read from standard input with <c>--password-stdin</c>, else asked for on the
/// terminal without echo; it is never an argument, so it stays out of the process list and the
/// shell's history.
/// </summary>
internal static class LoginCommand
{
    public const string FileName = "login.json";

    public static Command Create()
    {
        var tenant = new Option<string>("--tenant") { Description = "Tenant id.", Required = true };
        var user = new Option<string>("--user") { Description = "User id.", Required = true };
        var passwordStdin = new Option<bool>("--password-stdin") { Description = "Read the password from the first line of standard input (else it is asked for on the terminal)." };
        var command = new Command("login", "Log a user in to the auth service and print their access token.") { tenant, user, passwordStdin };
        AdminClient.SetAction(command, async (result, client, cancellationToken) =>
        {
            string password;
            if (result.GetValue(passwordStdin))
            {
                password = Console.In.ReadLine() ?? "";
            }
            else if (Console.IsInputRedirected)
            {
                return AdminClient.UsageError("standard input is not a terminal: pass --password-stdin to read the password from it.");
            }
            else
            {
                password = ReadHidden("Password: ");
            }

            var tenantId = result.GetValue(tenant)!;
            var userId = result.GetValue(user)!;
            var answer = await client.SendAsync(HttpMethod.Post, "/api/v1/auth/login", new { tenant = tenantId, user = userId, password }, cancellationToken);
            var accessToken = answer.GetProperty("access_token").GetString()!;
            var expiresIn = answer.GetProperty("expires_in").GetInt32();
            var expiresAt = DateTimeOffset.UtcNow.AddSeconds(expiresIn);

            var state = Path.GetFullPath(result.GetValue(ClusterStateOption(command))!);
            var stored = Store(state, new
            {
                tenant = tenantId,
                user = userId,
                auth_url = client.BaseAddress.ToString(),
                access_token = accessToken,
                refresh_token = answer.GetProperty("refresh_token").GetString(),
                expires_at = expiresAt.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture),
            });
            Console.Error.WriteLine($"parley: logged in as {userId} of tenant {tenantId}; the token expires in {expiresIn / 60} min ({expiresAt:HH:mm:ss} UTC). Stored with its refresh token in {stored}.");
            Console.WriteLine(accessToken);
            return 0;
        }, needsOperator: false);
        return command;
    }

    private static Option<string> ClusterStateOption(Command command) => (Option<string>)command.Options.Single(o => o.Name == "--state");

    /// <summary>Writes the login to <c>{state}/login.json</c>, owner-only, whole or not at all.</summary>
    private static string Store(string stateDirectory, object login)
    {
        if (OperatingSystem.IsWindows())
        {
            Directory.CreateDirectory(stateDirectory);
        }
        else
        {
            Directory.CreateDirectory(stateDirectory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }

        var path = Path.Combine(stateDirectory, FileName);
        OwnerOnlyFile.WriteJson(path, login);
        return path;
    }

    /// <summary>Reads a line from the terminal without echoing it.</summary>
    private static string ReadHidden(string prompt)
    {
        Console.Error.Write(prompt);
        var text = new StringBuilder();
        while (true)
        {
            var key = Console.ReadKey(intercept: true);
            if (key.Key == ConsoleKey.Enter)
            {
                break;
            }

            if (key.Key == ConsoleKey.Backspace)
            {
                if (text.Length > 0)
                {
                    text.Length--;
                }
            }
            else if (!char.IsControl(key.KeyChar))
            {
                text.Append(key.KeyChar);
            }
        }

        Console.Error.WriteLine();
        return text.ToString();
    }
}
