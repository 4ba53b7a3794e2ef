export default function Page() {
  return (
    <main className="page" id="main">
      <h1>calendar</h1>
    </main>
  );
}
