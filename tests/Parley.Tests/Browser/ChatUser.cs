using System.Text.Json;
using Microsoft.Playwright;
using Parley.Tests.Support;
using static Microsoft.Playwright.Assertions;

namespace Parley.Tests.Browser;

/// <summary>
/// One person using the web app in their own browser context: signs in through the development
/// sign-in form, joins rooms, types and sends, and reads the page through its data-testid attributes.
/// </summary>
internal sealed class ChatUser : IAsyncDisposable
{
    private readonly IBrowserContext _context;

    private ChatUser(IBrowserContext context, IPage page, string tenant, string user)
    {
        _context = context;
        Page = page;
        Tenant = tenant;
        User = user;
    }

    public IPage Page { get; }

    public string Tenant { get; }

    public string User { get; }

    /// <summary>The messages shown in the open conversation, oldest first.</summary>
    public ILocator Messages => Page.GetByTestId("message");

    public ILocator Presence => Page.GetByTestId("presence-user");

    public ILocator Typing => Page.GetByTestId("typing-indicator");

    public static async Task<ChatUser> SignInAsync(IBrowserContext context, TestNode node, string tenant, string user)
    {
        var page = await context.NewPageAsync();
        await page.GotoAsync(node.HttpUri.ToString());
        await page.GetByLabel("Tenant").FillAsync(tenant);
        await page.GetByLabel("User name").FillAsync(user);
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in", Exact = true }).ClickAsync();
        await Expect(page.GetByTestId("signed-in-as")).ToHaveTextAsync($"{user}@{tenant}");
        return new ChatUser(context, page, tenant, user);
    }

    /// <summary>Joins a room by name and waits until its history has loaded (the top of the list says where it starts).</summary>
    public async Task JoinAsync(string room)
    {
        await Page.GetByLabel("Join a room").FillAsync(room);
        await Page.GetByTestId("join-room-button").ClickAsync();
        await Expect(Page.Locator($"[data-testid=room-entry][data-room='{room}']")).ToHaveAttributeAsync("aria-current", "true");
        await Expect(Page.GetByTestId("history-edge")).ToHaveTextAsync("Start of the conversation.");
    }

    /// <summary>Types a message key by key, as a person does, and sends it with Enter.</summary>
    public async Task TypeAndSendAsync(string text)
    {
        var composer = Page.GetByTestId("composer-input");
        await composer.PressSequentiallyAsync(text);
        await composer.PressAsync("Enter");
    }

    /// <summary>Sends a message and waits for the node's acknowledgement, shown beside it.</summary>
    public async Task SendAsync(string text)
    {
        var composer = Page.GetByTestId("composer-input");
        await composer.FillAsync(text);
        await composer.PressAsync("Enter");
        await Expect(Page.Locator("[data-testid=message][data-delivery=acked]").Filter(new() { HasText = text })).ToHaveCountAsync(1);
    }

    /// <summary>The messages shown, as (seq, from, text), oldest first.</summary>
    public async Task<IReadOnlyList<ShownMessage>> ShownAsync()
    {
        var json = await Messages.EvaluateAllAsync<JsonElement>(
            "els => els.map(e => ({ seq: Number(e.dataset.seq ?? -1), from: e.dataset.from, text: e.querySelector('.text')?.textContent ?? '' }))");
        return json.EnumerateArray()
            .Select(m => new ShownMessage(m.GetProperty("seq").GetInt64(), m.GetProperty("from").GetString()!, m.GetProperty("text").GetString()!))
            .ToList();
    }

    public async ValueTask DisposeAsync() => await _context.DisposeAsync();
}

internal sealed record ShownMessage(long Seq, string From, string Text);
