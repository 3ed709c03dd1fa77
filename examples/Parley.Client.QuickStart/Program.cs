using Parley.Examples;

// Usage: dotnet run -- <ws url> <token> [friend]
// Mint a token for a local node with: parley token --data <dir> --tenant acme --user alice --rooms '*'
if (args.Length < 2)
{
    Console.Error.WriteLine("usage: Parley.Client.QuickStart <ws://host:port/v1/ws> <token> [friend]");
    return 2;
}

var token = args[1];
await QuickStart.RunAsync(new Uri(args[0]), _ => ValueTask.FromResult(token), args.Length > 2 ? args[2] : "bob");
return 0;
