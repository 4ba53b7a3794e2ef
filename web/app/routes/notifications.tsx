export default function Page() {
  return (
    <main className="page" id="main">
      <h1>notifications</h1>
    </main>
  );
}
